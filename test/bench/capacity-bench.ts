/**
 * What a queue per host costs (`BENCH_ONLY=capacity npm run bench`), issue #14: M host queues
 * (M in `CAPACITY_HOSTS`, default 50,100,200) against the one shared queue of today
 * (src/queue/queues.ts QUEUE_NAME), same jobs, same worker slots (one per host queue; the shared
 * queue gets M), in the same run, on a redis-server of its own (AOF, `appendfsync always`, as
 * docker-compose.yml runs it). 1 and 2 worker processes (`CAPACITY_WORKERS`), each the real
 * `startWorker` on every queue, with a processor that waits `CAPACITY_WORK_MS` (default 5) as a
 * Docker call would and returns what a deploy returns. Per setting:
 *
 *  connections  Redis clients the worker processes add (a BullMQ Worker blocks on a connection
 *               of its own per queue)
 *  idle         `CAPACITY_IDLE_SECONDS` (20, past one stalled-job check of every Worker): Redis
 *               CPU and commands per second, worker CPU
 *  latency      enqueue (the job's timestamp) to processor start, p50/p95, `CAPACITY_RATE`
 *               (100) deploy jobs a second open-loop for `CAPACITY_LATENCY_SECONDS` (10)
 *  saturation   `CAPACITY_JOBS` (20 000) added in bulk as fast as Redis takes them: jobs/s until
 *               the last finished, Redis CPU per 1 000 jobs, worker CPU per job, worker RSS
 *  memory       used_memory added by attaching the workers, per host queue; MEMORY USAGE of the
 *               finished jobs kept (`removeOnComplete` of queues.ts) per 1 000, and of the
 *               queues' event streams per entry
 */
import { loadavg } from "node:os";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { newDeployId } from "../../src/deploys/id.js";
import { deployJobId, JOB_NAMES } from "../../src/jobs/schemas.js";
import { createRedis } from "../../src/queue/connection.js";
import { DEFAULT_JOB_OPTIONS, QUEUE_NAME } from "../../src/queue/queues.js";
import { percentile } from "./ack-load.js";
import { startWorkerProcess, type WorkerProcess } from "./capacity-child.js";
import { gauges, keyBytes, startBenchRedis } from "./capacity-redis.js";
import { type Row, table } from "./capacity-table.js";
import { bytesUnder } from "./cost-bench.js";
import { cpuMs, rssBytes } from "./proc-usage.js";

export type CapacityOptions = {
  hosts: number[];
  workers: number[];
  jobs: number;
  rate: number;
  latencySeconds: number;
  idleSeconds: number;
  workMs: number;
};

const list = (v: string | undefined, d: number[]) => (v ? v.split(",").map(Number) : d);
const DEFAULTS: CapacityOptions = {
  hosts: list(process.env.CAPACITY_HOSTS, [50, 100, 200]),
  workers: list(process.env.CAPACITY_WORKERS, [1, 2]),
  jobs: Number(process.env.CAPACITY_JOBS ?? 20_000),
  rate: Number(process.env.CAPACITY_RATE ?? 100),
  latencySeconds: Number(process.env.CAPACITY_LATENCY_SECONDS ?? 10),
  idleSeconds: Number(process.env.CAPACITY_IDLE_SECONDS ?? 20),
  workMs: Number(process.env.CAPACITY_WORK_MS ?? 5),
};

const PREFIX = "dockops";
/** WORKER_LOCK_MS's default (src/env.ts): it sets how often each Worker checks for stalled jobs. */
const LOCK_MS = 30_000;
const BULK = 500;
const MB = 1_000_000;
type Design = Row["design"];

/** How a host's queue would be named: BullMQ refuses ':' in a queue name. */
const hostQueueName = (host: string) => `${QUEUE_NAME}-${host}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Phase = { ms: number; redisCpuMs: number; commands: number; workerCpuMs: number; workerRssMB: number };

/** Redis's and the worker processes' CPU while `during` runs, and the largest worker RSS seen. */
async function measure(admin: Redis, procs: WorkerProcess[], during: () => Promise<void>): Promise<Phase> {
  const [g0, cpu0, t0] = [await gauges(admin), procs.map((p) => cpuMs(p.pid)), performance.now()];
  let peak = 0;
  const sample = () => {
    for (const p of procs) peak = Math.max(peak, rssBytes(p.pid));
  };
  const timer = setInterval(sample, 250);
  try {
    await during();
  } finally {
    clearInterval(timer);
  }
  sample();
  const [g1, ms] = [await gauges(admin), performance.now() - t0];
  return {
    ms,
    redisCpuMs: g1.cpuMs - g0.cpuMs,
    commands: g1.commands - g0.commands,
    workerCpuMs: procs.reduce((sum, p, i) => sum + cpuMs(p.pid) - (cpu0[i] as number), 0),
    workerRssMB: Math.round((peak / MB) * 10) / 10,
  };
}

async function waitFinished(procs: WorkerProcess[], total: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (true) {
    await Promise.all(procs.map((p) => p.poll()));
    if (procs.reduce((sum, p) => sum + p.finished, 0) >= total) return;
    if (Date.now() > deadline) throw new Error(`capacity: jobs not finished within 10 min`);
    await sleep(100);
  }
}

/** One deploy job to `host`, as the bot adds it: the real job name, id and payload shape. */
function deployJob(host: string) {
  const deployId = newDeployId();
  return {
    name: JOB_NAMES.deploy,
    data: { deployId, project: "orders", env: "prod", host, tag: "v1.2.3", requestedBy: "UBENCH" },
    opts: { jobId: deployJobId(deployId, host) },
  };
}

async function runSetting(url: string, design: Design, m: number, w: number, o: CapacityOptions) {
  const admin = new Redis(url);
  const producer = createRedis(url, "producer");
  const hosts = Array.from({ length: m }, (_, i) => `server${String(i + 1).padStart(3, "0")}`);
  const names = design === "shared" ? [QUEUE_NAME] : hosts.map(hostQueueName);
  const queues = new Map(
    names.map((n) => [
      n,
      new Queue(n, { connection: producer, prefix: PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    ]),
  );
  const queueOf = (host: string) =>
    queues.get(design === "shared" ? QUEUE_NAME : hostQueueName(host)) as Queue;
  const procs: WorkerProcess[] = [];
  try {
    await admin.flushall();
    await Promise.all([...queues.values()].map((q) => q.waitUntilReady()));
    const before = await gauges(admin);
    const input = { redisUrl: url, prefix: PREFIX, queues: names, workMs: o.workMs, lockMs: LOCK_MS };
    const concurrency = design === "shared" ? m : 1;
    for (let i = 0; i < w; i++) procs.push(await startWorkerProcess({ ...input, concurrency }));
    const attached = await gauges(admin);
    const keysAttached = await bytesUnder(admin, PREFIX);

    const idle = await measure(admin, procs, () => sleep(o.idleSeconds * 1000));

    const latencyJobs = Math.round(o.rate * o.latencySeconds);
    const latency = await measure(admin, procs, async () => {
      const t0 = performance.now();
      const adds: Promise<unknown>[] = [];
      for (let i = 0; i < latencyJobs; i++) {
        const wait = t0 + (i * 1000) / o.rate - performance.now();
        if (wait > 0) await sleep(wait);
        const host = hosts[i % m] as string;
        const j = deployJob(host);
        adds.push(queueOf(host).add(j.name, j.data, j.opts));
      }
      await Promise.all(adds);
      await waitFinished(procs, latencyJobs);
    });
    const waits = procs.flatMap((p) => p.takeLatencies()).sort((a, b) => a - b);

    const saturation = await measure(admin, procs, async () => {
      for (let from = 0; from < o.jobs; from += BULK) {
        const byQueue = new Map<Queue, ReturnType<typeof deployJob>[]>();
        for (let i = from; i < Math.min(o.jobs, from + BULK); i++) {
          const host = hosts[i % m] as string;
          byQueue.set(queueOf(host), [...(byQueue.get(queueOf(host)) ?? []), deployJob(host)]);
        }
        await Promise.all([...byQueue].map(([q, jobs]) => q.addBulk(jobs)));
      }
      await waitFinished(procs, latencyJobs + o.jobs);
    });
    for (const p of procs) p.takeLatencies();

    const keysAfter = await bytesUnder(admin, PREFIX);
    const kept = (await Promise.all(names.map((n) => admin.zcard(`${PREFIX}:${n}:completed`)))).reduce(
      (a, b) => a + b,
      0,
    );
    const events = names.map((n) => `${PREFIX}:${n}:events`);
    const eventBytes = (await Promise.all(events.map((k) => keyBytes(admin, k)))).reduce((a, b) => a + b, 0);
    const eventEntries = (await Promise.all(events.map((k) => admin.xlen(k)))).reduce((a, b) => a + b, 0);
    const jobsThrough = latencyJobs + o.jobs;
    return {
      design,
      hosts: m,
      workers: w,
      connections: attached.clients - before.clients,
      idle: {
        redisCpuMsPerSec: round((idle.redisCpuMs / idle.ms) * 1000, 2),
        commandsPerSec: round((idle.commands / idle.ms) * 1000, 1),
        workerCpuMsPerSec: round((idle.workerCpuMs / idle.ms) * 1000, 2),
        workerRssMB: idle.workerRssMB,
      },
      latency: {
        rate: o.rate,
        jobs: latencyJobs,
        p50Ms: percentile(waits, 50),
        p95Ms: percentile(waits, 95),
        redisCpuMsPer1000Jobs: round((latency.redisCpuMs / latencyJobs) * 1000, 0),
        workerCpuMsPerJob: round(latency.workerCpuMs / latencyJobs, 3),
      },
      saturation: {
        jobs: o.jobs,
        jobsPerSec: round((o.jobs / saturation.ms) * 1000, 0),
        redisCpuMsPer1000Jobs: round((saturation.redisCpuMs / o.jobs) * 1000, 0),
        redisCommandsPerJob: round(saturation.commands / o.jobs, 1),
        workerCpuMsPerJob: round(saturation.workerCpuMs / o.jobs, 3),
        workerRssMB: saturation.workerRssMB,
      },
      memory: {
        attachedBytesPerHost: Math.round((attached.usedMemory - before.usedMemory) / m),
        clientBytesPerHost: Math.round((attached.clientMemory - before.clientMemory) / m),
        keyBytesPerHost: Math.round(keysAttached.bytes / m),
        keptJobs: kept,
        bytesPer1000Kept: Math.round(((keysAfter.bytes - keysAttached.bytes - eventBytes) / kept) * 1000),
        eventEntries,
        eventsPerJob: round(eventEntries / jobsThrough, 2),
        bytesPerEvent: Math.round(eventBytes / Math.max(1, eventEntries)),
      },
    } satisfies Row;
  } finally {
    await Promise.all(procs.map((p) => p.close()));
    await Promise.all([...queues.values()].map((q) => q.close()));
    await producer.quit().catch(() => producer.disconnect());
    await admin.quit().catch(() => admin.disconnect());
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function capacityBench(opts: Partial<CapacityOptions> = {}): Promise<Record<string, unknown>> {
  const o = { ...DEFAULTS, ...opts };
  const loadBefore = loadavg().map((l) => round(l, 2));
  const server = await startBenchRedis();
  const rows: Row[] = [];
  try {
    // Unrecorded: Redis's first use of each design allocates ~300 KB once (seen as a first
    // setting's memory figure three times the next one's), which is not a per-host cost.
    const tiny = { ...o, jobs: 50, rate: 50, latencySeconds: 1, idleSeconds: 0 };
    for (const design of ["shared", "perHost"] as const) await runSetting(server.url, design, 2, 1, tiny);
    // Alternating the two designs setting by setting, so the machine's load drifts over both.
    for (const m of o.hosts)
      for (const w of o.workers)
        for (const design of ["shared", "perHost"] as const)
          rows.push(await runSetting(server.url, design, m, w, o));
  } finally {
    await server.kill();
  }
  const loadAfter = loadavg().map((l) => round(l, 2));
  process.stdout.write(`${table(rows, o, loadBefore, loadAfter)}\n`);
  return { capacity: { ...o, loadBefore, loadAfter, rows } };
}
