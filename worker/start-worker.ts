import { Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../src/errors.js";
import { JOB_NAMES } from "../src/jobs/schemas.js";
import { type HostGate, withHostSlot } from "../src/queue/host-gate.js";
import { HostSlots, type SlotCaps } from "../src/queue/host-slots.js";
import { QUEUE_NAME } from "../src/queue/queues.js";
import { STALL_SAFETY_NET, stalledTooOften } from "./stalls.js";

/** One processor per job name; each validates its own payload with the shared zod schema. */
export type Processors = Record<string, (job: Job) => Promise<unknown>>;

export function startWorker(
  connection: Redis,
  processors: Processors,
  log: Logger,
  opts: {
    concurrency: number;
    prefix: string;
    lockMs: number;
    /** Another queue than the shared one (the capacity bench's per-host queues). */
    queue?: string;
    /**
     * Jobs of one host running at once over every worker, by kind (see src/queue/host-slots.ts).
     * Without them nothing is capped (the capacity bench measures the queue alone).
     */
    hostCaps?: SlotCaps;
  },
): Worker {
  const caps = opts.hostCaps;
  const gate: HostGate | undefined = caps && {
    // A slot lasts as long as the job's own lock: a killed worker's jobs and slots come back together.
    slots: new HostSlots(connection, caps, opts.lockMs, opts.prefix),
    wake: async (jobId) => {
      const parked = await Job.fromId(worker, jobId);
      if (!parked) return false;
      return parked.promote().then(
        () => true,
        () => false,
      );
    },
    log,
  };
  const worker: Worker = new Worker(
    opts.queue ?? QUEUE_NAME,
    async (job, token) => {
      const processor = processors[job.name];
      if (!processor)
        throw new UnrecoverableError(`this worker does not know jobs of kind ${job.name}; upgrade it`);
      // A deploy gives up by undoing its attempts' work, so it must still run (see stalls.ts).
      const givenUp = job.name === JOB_NAMES.deploy ? undefined : stalledTooOften(job);
      if (givenUp) throw new UnrecoverableError(givenUp);
      return gate ? withHostSlot(job, token, gate, () => processor(job)) : processor(job);
    },
    {
      connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      // A running job holds a lock that its worker renews; a worker that dies stops renewing and
      // the job is picked up again once the lock expires. Steps are idempotent, so that is safe.
      lockDuration: opts.lockMs,
      stalledInterval: Math.max(500, Math.floor(opts.lockMs / 2)),
      maxStalledCount: STALL_SAFETY_NET,
    },
  );
  worker.on("error", (err) => log.error({ err: errorMessage(err) }, "worker error"));
  if (caps && caps.change + caps.read >= opts.concurrency) {
    log.warn(
      { concurrency: opts.concurrency, hostCaps: caps },
      "WORKER_HOST_JOBS + WORKER_HOST_READS is not below WORKER_CONCURRENCY: one hung host can take every slot of this worker",
    );
  }
  return worker;
}
