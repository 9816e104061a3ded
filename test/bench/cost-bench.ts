/**
 * What running dockops costs (`BENCH_ONLY=cost npm run bench`):
 *
 *  processes  RSS (/proc/<pid>/status VmRSS, the largest seen, sampled every 500 ms) and CPU
 *             (/proc/<pid>/stat utime + stime, as % of one core) of a bot, a worker and a monitor,
 *             each its own process, run as the Docker image runs them (compiled by tsc, `node
 *             dist/src/main.js <role>`) and as `npm run bot|worker|monitor` runs them (tsx), on
 *             the test fleet with one project deployed: idle for `COST_IDLE_SECONDS` (default
 *             30), then under `COST_RATE` (default 50) signed slash commands a second for
 *             `COST_SECONDS` (default 20; /status, /hosts and /history in turn) until every one
 *             is answered. Goal: each process under 150 MB RSS.
 *  redis      MEMORY USAGE of the keys the real stores write for `COST_DEPLOYS` (default 1000)
 *             finished deploys on three hosts, and for `COST_ALERTS` (default 100) container-exit
 *             alerts with their 15 log lines, each under a private prefix on the test Redis,
 *             deleted after.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { newDeployId } from "../../src/deploys/id.js";
import { DeployStore } from "../../src/deploys/store.js";
import { AlertStore } from "../../src/monitor/alert-store.js";
import { readFleetEnv } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { runToEnd } from "../support/ops-flow.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";
import { ackLoad } from "./ack-load.js";
import { cpuMs, rssBytes } from "./proc-usage.js";
import { storeDeploys } from "./reads-bench.js";

export type CostBenchOptions = {
  idleSeconds: number;
  loadSeconds: number;
  rate: number;
  deploys: number;
  alerts: number;
  /** After start-up and the first deploy, before anything is measured. */
  settleSeconds: number;
};

const DEFAULTS: CostBenchOptions = {
  idleSeconds: Number(process.env.COST_IDLE_SECONDS ?? 30),
  loadSeconds: Number(process.env.COST_SECONDS ?? 20),
  rate: Number(process.env.COST_RATE ?? 50),
  deploys: Number(process.env.COST_DEPLOYS ?? 1_000),
  alerts: Number(process.env.COST_ALERTS ?? 100),
  settleSeconds: 5,
};

const SECRET = "cost-bench-signing-secret-0123456789";
const MB = 1_000_000;
const ROLES = ["bot", "worker", "monitor"] as const;
type RoleName = (typeof ROLES)[number];

type Phase = Record<RoleName, { rssMB: number; cpuMs: number; cpuPercent: number }>;

/** Watches every process while `during` runs: the largest RSS seen, CPU as % of one core. */
async function measure(pids: Record<RoleName, number>, during: () => Promise<void>): Promise<Phase> {
  const cpu0 = Object.fromEntries(ROLES.map((r) => [r, cpuMs(pids[r])]));
  const peak = Object.fromEntries(ROLES.map((r) => [r, rssBytes(pids[r])]));
  const sample = () => {
    for (const r of ROLES) peak[r] = Math.max(peak[r] as number, rssBytes(pids[r]));
  };
  const timer = setInterval(sample, 500);
  const t0 = performance.now();
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  sample();
  const wall = performance.now() - t0;
  return Object.fromEntries(
    ROLES.map((r) => [
      r,
      {
        rssMB: Math.round(((peak[r] as number) / MB) * 10) / 10,
        cpuMs: Math.round(cpuMs(pids[r]) - (cpu0[r] as number)),
        cpuPercent: Math.round(((cpuMs(pids[r]) - (cpu0[r] as number)) / wall) * 1000) / 10,
      },
    ]),
  ) as Phase;
}

export async function bytesUnder(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let cursor = "0";
  let bytes = 0;
  let keys = 0;
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    const used = await Promise.all(found.map((k) => redis.memory("USAGE", k, "SAMPLES", "0")));
    bytes += used.reduce<number>((sum, u) => sum + Number(u ?? 0), 0);
    keys += found.length;
  } while (cursor !== "0");
  return { bytes, keys };
}

async function dropUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

/** A container-exit alert as the monitor leaves it: the condition, the alert, the die count. */
async function storeAlerts(store: AlertStore, count: number): Promise<void> {
  const logLine = (i: number) =>
    `2026-11-30T07:${String(i % 60).padStart(2, "0")}:00Z level=info msg="handled request" path=/api/orders/${i} status=200 took=12ms`;
  for (let i = 0; i < count; i++) {
    const id = newDeployId();
    const containerId = `${i.toString(16).padStart(8, "0")}${"c".repeat(56)}`;
    const at = Date.now() - (count - i) * 60_000;
    const item = {
      key: `container:serverA:${containerId}`,
      kind: "exited" as const,
      host: "serverA",
      project: "orders",
      env: "prod",
      containerId,
      containerName: `orders-prod-${id}`,
      detail: `container \`orders-prod-${id}\` exited unexpectedly with code 137 (not OOM-killed)`,
      output: Array.from({ length: 15 }, (_, k) => logLine(i * 15 + k)),
      eventAt: at,
    };
    await store.recordDie("serverA", containerId, at, 5 * 60_000);
    await store.claim(item.key, id, at);
    await store.save(
      {
        id,
        channel: "CPROD",
        ts: `${1_700_000_000 + i}.000100`,
        host: "serverA",
        env: "prod",
        openedAt: at,
        postedAt: at + 400,
      },
      [item],
    );
  }
}

async function redisCost(redisUrl: string, deploys: number, alerts: number) {
  const redis = new Redis(redisUrl);
  const [deployPrefix, alertPrefix] = [uniqueName("cbench"), uniqueName("cbench")];
  try {
    await storeDeploys(new DeployStore(redis, deployPrefix), ["orders", "billing", "web"], deploys);
    await storeAlerts(new AlertStore(redis, alertPrefix), alerts);
    const [d, a] = [await bytesUnder(redis, deployPrefix), await bytesUnder(redis, alertPrefix)];
    return {
      deploys,
      bytesPer1000Deploys: Math.round((d.bytes / deploys) * 1000),
      alerts,
      bytesPerAlert: Math.round(a.bytes / alerts),
    };
  } finally {
    await dropUnder(redis, deployPrefix);
    await dropUnder(redis, alertPrefix);
    await redis.quit();
  }
}

/**
 * How the processes are run: `image` as the Docker image runs them (the code compiled by tsc,
 * `node dist/src/main.js <role>`, NODE_ENV=production), `tsx` as `npm run bot|worker|monitor` does
 * (TypeScript compiled in the process as it loads).
 */
export type Runner = "image" | "tsx";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Where the image's build step is repeated for this benchmark (dist/ is not committed). */
const BUILD_DIR = "dist/bench";

function buildLikeTheImage(): void {
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", BUILD_DIR],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
}

function startRole(h: Harness, role: RoleName, runner: Runner, env: Record<string, string>): Spawned {
  if (runner === "tsx") return spawnRole(h, role, env);
  return spawnRole(h, role, { ...env, NODE_ENV: "production" }, [join(BUILD_DIR, "src/main.js")]);
}

type ProcessCost = {
  idle: Phase;
  load: Phase;
  /** Commands acknowledged (HTTP 200); `errors` were not, within ack-load's own timeout. */
  sent: number;
  errors: number;
  answered: number;
  /** How long the load phase took, the wait for the last answers included. */
  loadMs: number;
};

async function processCost(runner: Runner, o: CostBenchOptions): Promise<ProcessCost> {
  const project = uniqueName("cost");
  const h = await startHarness(
    { [project]: { image: "plain", tag: "v1", verify: "0s" } },
    { roles: ["bot"] },
  );
  const botPort = await freePort();
  const slackEnv = { SLACK_BOT_TOKEN: "xoxb-bench", SLACK_API_URL: h.slack.apiUrl };
  const procs: Record<RoleName, Spawned> = {
    worker: startRole(h, "worker", runner, { PORT: "0" }),
    monitor: startRole(h, "monitor", runner, { ...slackEnv, PORT: "0" }),
    bot: startRole(h, "bot", runner, { ...slackEnv, SLACK_SIGNING_SECRET: SECRET, PORT: String(botPort) }),
  };
  try {
    await Promise.all(ROLES.map((r) => waitForOutput(procs[r], `${r} started`)));
    await runToEnd(h, "/deploy", `${project}:v1 beta`);
    // Let start-up work (first samples, first reconcile) settle before calling anything idle.
    await new Promise((r) => setTimeout(r, o.settleSeconds * 1000));
    const pids = Object.fromEntries(ROLES.map((r) => [r, procs[r].child.pid as number])) as Record<
      RoleName,
      number
    >;
    const idle = await measure(pids, () => new Promise((r) => setTimeout(r, o.idleSeconds * 1000)));
    const texts = ["status", "hosts", `history ${project} beta`];
    let sent = 0;
    let errors = 0;
    let answered = 0;
    const loadStart = performance.now();
    const load = await measure(pids, async () => {
      const result = await ackLoad(
        `http://127.0.0.1:${botPort}`,
        SECRET,
        o.rate,
        o.loadSeconds,
        (i) => ({
          command: "/ops",
          text: texts[i % texts.length] as string,
          user: "UBENCH",
          channel: "CBETA",
        }),
        (i) => h.slack.responseUrl(`cost-${i}`),
      );
      sent = result.sent - result.errors;
      errors = result.errors;
      const count = () => h.slack.responses.filter((r) => r.id.startsWith("cost-")).length;
      const deadline = Date.now() + 120_000;
      while (count() < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      answered = count();
    });
    return { idle, load, sent, errors, answered, loadMs: Math.round(performance.now() - loadStart) };
  } finally {
    await Promise.all(ROLES.map((r) => kill(procs[r], "SIGTERM")));
    await h.close();
  }
}

export async function costBench(
  opts: Partial<CostBenchOptions> = {},
  runners: readonly Runner[] = ["image", "tsx"],
): Promise<Record<string, unknown>> {
  const o = { ...DEFAULTS, ...opts };
  if (runners.includes("image")) buildLikeTheImage();
  const measured: Partial<Record<Runner, ProcessCost>> = {};
  for (const runner of runners) measured[runner] = await processCost(runner, o);
  const redis = await redisCost(readFleetEnv().REDIS_URL as string, o.deploys, o.alerts);
  const under = (c: ProcessCost) => ROLES.every((r) => c.idle[r].rssMB < 150 && c.load[r].rssMB < 150);
  const lines = [
    `process cost: idle ${o.idleSeconds} s, then ${o.rate} commands/s for ${o.loadSeconds} s until answered; largest RSS, CPU as % of one core`,
  ];
  for (const [runner, c] of Object.entries(measured) as [Runner, ProcessCost][]) {
    lines.push(
      `run as ${runner === "image" ? "the image runs it (node dist/src/main.js)" : "npm run <role> (tsx)"}, ${c.answered}/${c.sent} answered, ${c.errors} not acknowledged, ${(c.loadMs / 1000).toFixed(0)} s until the last answer:`,
    );
    for (const r of ROLES) {
      lines.push(
        `  ${r.padEnd(8)} idle ${c.idle[r].rssMB.toFixed(1).padStart(6)} MB ${c.idle[r].cpuPercent.toFixed(1).padStart(5)}% CPU  |  under load ${c.load[r].rssMB.toFixed(1).padStart(6)} MB ${c.load[r].cpuPercent.toFixed(1).padStart(5)}% CPU, ${(c.load[r].cpuMs / Math.max(1, c.sent)).toFixed(1)} ms CPU per command`,
      );
    }
    lines.push(`  goal < 150 MB RSS each: ${under(c) ? "met" : "missed"}`);
  }
  lines.push(
    `redis: ${redis.bytesPer1000Deploys} bytes per 1000 deploys (3 hosts each), ${redis.bytesPerAlert} bytes per alert (15 log lines)`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  return {
    cost: {
      idleSeconds: o.idleSeconds,
      load: { rate: o.rate, seconds: o.loadSeconds },
      ...Object.fromEntries(
        Object.entries(measured).map(([runner, c]) => [
          runner,
          {
            sent: c.sent,
            errors: c.errors,
            loadMs: c.loadMs,
            answered: c.answered,
            processes: Object.fromEntries(ROLES.map((r) => [r, { idle: c.idle[r], load: c.load[r] }])),
            goalMet: under(c),
          },
        ]),
      ),
      redis,
    },
  };
}
