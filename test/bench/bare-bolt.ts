/**
 * The baseline for acknowledgement latency: a Bolt app on the same library and receiver as the
 * bot, registering the same slash commands, that only acks. Run by ack-bench.ts as its own process.
 */
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import { SLASH_COMMANDS } from "../../commands/index.js";

const port = Number(process.env.PORT ?? 0);
const receiver = new HTTPReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? "", port });
// Authorization goes to the same Slack stand-in as the bot's (auth.test once, then cached).
const app = new App({
  token: "xoxb-bare",
  receiver,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? "" },
});
for (const name of SLASH_COMMANDS) app.command(`/${name}`, async ({ ack }) => ack());
await app.start();
process.stdout.write(`bare bolt started on ${port}\n`);
