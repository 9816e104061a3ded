/**
 * One central worker process of the capacity bench: a BullMQ Worker (the real `startWorker`) on
 * each queue it is given, with a processor that does no Docker work, only waits `workMs` as a
 * Docker call would. Input: CAPACITY_CHILD (JSON, CapacityChild); talks to its parent over IPC:
 * "ready" once every Worker is connected, then on "collect" the jobs started and finished so far
 * and the enqueue-to-start time of each started since the last "collect"; "close" ends it.
 */
import type { Job } from "bullmq";
import { pino } from "pino";
import { JOB_NAMES } from "../../src/jobs/schemas.js";
import { createRedis } from "../../src/queue/connection.js";
import { startWorker } from "../../worker/start-worker.js";

export type CapacityChild = {
  redisUrl: string;
  prefix: string;
  queues: string[];
  concurrency: number;
  workMs: number;
  lockMs: number;
};

export type ChildMessage =
  | { type: "ready" }
  | { type: "stats"; started: number; finished: number; latenciesMs: number[] };

const o = JSON.parse(process.env.CAPACITY_CHILD ?? "") as CapacityChild;
const send = (m: ChildMessage) => process.send?.(m);
let started = 0;
let finished = 0;
let latencies: number[] = [];

/** What a finished deploy returns, so kept jobs weigh in Redis what real ones do. */
async function deploy(job: Job) {
  started++;
  latencies.push(Date.now() - job.timestamp);
  if (o.workMs > 0) await new Promise((r) => setTimeout(r, o.workMs));
  const { deployId, host, project, env } = job.data as Record<string, string>;
  return {
    host,
    digest: `sha256:${"a1".repeat(32)}`,
    containerId: "c0ffee".repeat(10).slice(0, 64),
    containerName: `${project}-${env}-${deployId}`,
    replaced: [`${project}-${env}-previous`],
    durationMs: o.workMs,
  };
}

const log = pino({ level: "warn" });
const connection = createRedis(o.redisUrl, "worker");
const workers = o.queues.map((queue) =>
  startWorker(connection, { [JOB_NAMES.deploy]: deploy }, log, {
    concurrency: o.concurrency,
    prefix: o.prefix,
    lockMs: o.lockMs,
    queue,
  }),
);
for (const w of workers)
  w.on("completed", () => {
    finished++;
  });
await Promise.all(workers.map((w) => w.waitUntilReady()));
send({ type: "ready" });

process.on("message", async (m: { type: string }) => {
  if (m.type === "collect") {
    send({ type: "stats", started, finished, latenciesMs: latencies });
    latencies = [];
  } else if (m.type === "close") {
    await Promise.all(workers.map((w) => w.close()));
    await connection.quit().catch(() => connection.disconnect());
    process.exit(0);
  }
});
