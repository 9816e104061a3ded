/**
 * The load generator of ack-bench.ts in a process of its own: the bench's process also hosts the
 * Slack stand-in that receives every answer, and its work there must not be timed as the bot's.
 * Input: ACK_LOAD (JSON), output: one line of JSON, the LoadResult.
 */
import type { SlashCommand } from "../support/signed-request.js";
import { ackLoad, type LoadJob } from "./ack-load.js";

const job = JSON.parse(process.env.ACK_LOAD ?? "") as LoadJob;
const result = await ackLoad(
  job.baseUrl,
  job.secret,
  job.rate,
  job.seconds,
  (i) => job.commands[i % job.commands.length] as Omit<SlashCommand, "responseUrl">,
  (i) => `${job.responseUrlPrefix}${i}`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
