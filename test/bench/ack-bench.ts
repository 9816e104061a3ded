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
import { ackLoadApart, type LoadResult } from "./ack-load.js";

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

type BotView = { loopP99: number; loopMax: number; acks: Map<number, number> };
type InBot = { loopP99: number; loopMax: number; ackP50: number; ackP99: number };

/**
 * What the bot saw, from its /metrics: its event-loop delay since the last read (prom-client
 * starts Node's delay histogram afresh on each scrape), and its own ack-time histogram.
 */
async function botView(port: number): Promise<BotView> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const seconds = (name: string) =>
    Number(
      new RegExp(`^dockops_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1] ?? NaN,
    );
  const acks = new Map<number, number>();
  for (const m of text.matchAll(/^dockops_slack_ack_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm))
    acks.set(m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  return { loopP99: seconds("p99") * 1000, loopMax: seconds("max") * 1000, acks };
}

/** The bucket bound (ms) under which fraction `q` of the acks between two reads fell. */
function ackQuantile(before: BotView, after: BotView, q: number): number {
  const bounds = [...after.acks.keys()].sort((a, b) => a - b);
  const count = (le: number) => (after.acks.get(le) ?? 0) - (before.acks.get(le) ?? 0);
  const total = count(Number.POSITIVE_INFINITY);
  const bound = bounds.find((le) => count(le) >= q * total) ?? Number.POSITIVE_INFINITY;
  return bound * 1000;
}

export async function ackBench(seconds = SECONDS, rates = RATES): Promise<Record<string, unknown>> {
  const project = uniqueName("ack");
  const h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "0s" } }, { roles: ["bot"] });
  const [botPort, barePort] = [await freePort(), await freePort()];
  const worker = spawnRole(h, "worker", { PORT: "0" });
  const bot = spawnRole(
    h,
    "bot",
    {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_API_URL: h.slack.apiUrl,
      PORT: String(botPort),
      LOG_LEVEL: "info",
    },
    process.env.ACK_PROFILE_DIR
      ? ["--cpu-prof", `--cpu-prof-dir=${process.env.ACK_PROFILE_DIR}`, "--import", "tsx", "src/main.ts"]
      : undefined,
  );
  const bare = spawnBare(barePort, h.slack.apiUrl);
  const rows: {
    rate: number;
    bare: LoadResult;
    bot: LoadResult;
    dropped: number;
    inBot: InBot;
  }[] = [];
  try {
    await Promise.all([
      waitForOutput(worker, "worker started"),
      waitForOutput(bot, "bot started"),
      waitForOutput(bare, "bare bolt started"),
    ]);
    await runToEnd(h, "/deploy", `${project}:v1 beta`);
    // The default manifest's forms: /deploy, and everything else through /ops.
    const commands = [
      { command: "/ops", text: "status" },
      { command: "/ops", text: `history ${project} beta` },
      { command: "/deploy", text: `${project}:v2 beta --dry-run` },
    ].map((c) => ({ ...c, user: "UBENCH", channel: "CBETA" }));
    const load = (port: number, prefix: string, rate: number, secs: number) =>
      ackLoadApart({
        baseUrl: `http://127.0.0.1:${port}`,
        secret: SECRET,
        rate,
        seconds: secs,
        commands,
        responseUrlPrefix: h.slack.responseUrl(prefix),
      });
    // Unrecorded warm-up of both apps (code paths compiled, connections open), as a bot that has
    // been running a while would be: cold start is not what this measures.
    await load(barePort, "warm-bare-", 20, 1);
    await load(botPort, "warm-bot-", 20, 1);
    for (const rate of rates) {
      const base = `bench${rate}-`;
      const bareResult = await load(barePort, `bare-${base}`, rate, seconds);
      const before = await botView(botPort);
      const botResult = await load(botPort, base, rate, seconds);
      const after = await botView(botPort);
      const inBot: InBot = {
        loopP99: after.loopP99,
        loopMax: after.loopMax,
        ackP50: ackQuantile(before, after, 0.5),
        ackP99: ackQuantile(before, after, 0.99),
      };
      // Every acknowledged command must also get its answer: nothing dropped.
      const expected = botResult.sent - botResult.errors;
      const answered = () => h.slack.responses.filter((r) => r.id.startsWith(base)).length;
      const deadline = Date.now() + 120_000;
      while (answered() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      rows.push({ rate, bare: bareResult, bot: botResult, dropped: expected - answered(), inBot });
    }
  } finally {
    await Promise.all([kill(bot, "SIGTERM"), kill(worker, "SIGTERM"), kill(bare)]);
    await h.close();
  }
  // Past the histogram's last bucket (5 s) only "more than" is known.
  const bound = (ms: number) => (Number.isFinite(ms) ? `≤ ${ms} ms` : "> 5000 ms");
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`.padStart(8);
  const lines = [
    `acknowledgement under load, ${seconds} s per rate (open loop; p99 ratio to a bare Bolt app)`,
  ];
  for (const { rate, bare, bot: b, dropped, inBot: d } of rows) {
    lines.push(
      `${String(rate).padStart(4)}/s  bare p50 ${fmt(bare.p50)} p99 ${fmt(bare.p99)}  |  dockops p50 ${fmt(b.p50)} p95 ${fmt(b.p95)} p99 ${fmt(b.p99)}  ${(b.p99 / bare.p99).toFixed(1)}×  errors ${b.errors}  dropped ${dropped}`,
      `        in the bot: ack p50 ${bound(d.ackP50)}, p99 ${bound(d.ackP99)} (its histogram's bounds); event-loop delay p99 ${fmt(d.loopP99)} max ${fmt(d.loopMax)}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return { ack: { seconds, rows } };
}
