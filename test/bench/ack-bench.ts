/**
 * Acknowledgement latency under load: signed slash commands at 50/s and 200/s against the bot's
 * HTTP receiver (its own process, with Redis and a worker process running), beside a bare Bolt
 * app that only acks, same library, same machine, same run. Run: `BENCH_ONLY=ack npm run bench`
 * (ACK_SECONDS, ACK_RATES to change the load). Slack gives an app 3 s to acknowledge.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { runToEnd } from "../support/ops-flow.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";
import { ackLoad, type LoadResult } from "./ack-load.js";

const SECRET = "bench-signing-secret-0123456789";
const SECONDS = Number(process.env.ACK_SECONDS ?? 20);
const RATES = (process.env.ACK_RATES ?? "50,200").split(",").map(Number);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function spawnBare(port: number, apiUrl: string): Spawned {
  const child = spawn(process.execPath, ["--import", "tsx", "test/bench/bare-bolt.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      PORT: String(port),
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: apiUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  return { child, output, exited: new Promise((r) => child.on("exit", r)) };
}

export async function ackBench(seconds = SECONDS, rates = RATES): Promise<Record<string, unknown>> {
  const project = uniqueName("ack");
  const h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "0s" } }, { roles: ["bot"] });
  const [botPort, barePort] = [await freePort(), await freePort()];
  const worker = spawnRole(h, "worker", { PORT: "0" });
  const bot = spawnRole(h, "bot", {
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_API_URL: h.slack.apiUrl,
    PORT: String(botPort),
    LOG_LEVEL: "info",
  });
  const bare = spawnBare(barePort, h.slack.apiUrl);
  const rows: { rate: number; bare: LoadResult; bot: LoadResult; dropped: number }[] = [];
  try {
    await Promise.all([
      waitForOutput(worker, "worker started"),
      waitForOutput(bot, "bot started"),
      waitForOutput(bare, "bare bolt started"),
    ]);
    await runToEnd(h, "/deploy", `${project}:v1 beta`);
    const mix = (i: number) => {
      // The default manifest's forms: /deploy, and everything else through /ops.
      const texts = [
        ["/ops", "status"],
        ["/ops", `history ${project} beta`],
        ["/deploy", `${project}:v2 beta --dry-run`],
      ] as const;
      const [command, text] = texts[i % texts.length] as readonly [string, string];
      return { command, text, user: "UBENCH", channel: "CBETA" };
    };
    for (const rate of rates) {
      const base = `bench${rate}-`;
      const bareResult = await ackLoad(`http://127.0.0.1:${barePort}`, SECRET, rate, seconds, mix, (i) =>
        h.slack.responseUrl(`bare-${base}${i}`),
      );
      const botResult = await ackLoad(`http://127.0.0.1:${botPort}`, SECRET, rate, seconds, mix, (i) =>
        h.slack.responseUrl(`${base}${i}`),
      );
      // Every acknowledged command must also get its answer: nothing dropped.
      const expected = botResult.sent - botResult.errors;
      const answered = () => h.slack.responses.filter((r) => r.id.startsWith(base)).length;
      const deadline = Date.now() + 120_000;
      while (answered() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      rows.push({ rate, bare: bareResult, bot: botResult, dropped: expected - answered() });
    }
  } finally {
    await Promise.all([kill(bot, "SIGTERM"), kill(worker, "SIGTERM"), kill(bare)]);
    await h.close();
  }
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`.padStart(8);
  const lines = [
    `acknowledgement under load, ${seconds} s per rate (open loop; p99 ratio to a bare Bolt app)`,
  ];
  for (const { rate, bare, bot: b, dropped } of rows) {
    lines.push(
      `${String(rate).padStart(4)}/s  bare p50 ${fmt(bare.p50)} p99 ${fmt(bare.p99)}  |  dockops p50 ${fmt(b.p50)} p95 ${fmt(b.p95)} p99 ${fmt(b.p99)}  ${(b.p99 / bare.p99).toFixed(1)}×  errors ${b.errors}  dropped ${dropped}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return { ack: { seconds, rows } };
}
