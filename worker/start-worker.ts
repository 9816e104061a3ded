import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../src/errors.js";
import { JOB_NAMES } from "../src/jobs/schemas.js";
import { QUEUE_NAME } from "../src/queue/queues.js";
import { STALL_SAFETY_NET, stalledTooOften } from "./stalls.js";

/** One processor per job name; each validates its own payload with the shared zod schema. */
export type Processors = Record<string, (job: Job) => Promise<unknown>>;

export function startWorker(
  connection: Redis,
  processors: Processors,
  log: Logger,
  /** `queue`: another queue than the shared one (the capacity bench's per-host queues). */
  opts: { concurrency: number; prefix: string; lockMs: number; queue?: string },
): Worker {
  const worker = new Worker(
    opts.queue ?? QUEUE_NAME,
    async (job) => {
      const processor = processors[job.name];
      if (!processor)
        throw new UnrecoverableError(`this worker does not know jobs of kind ${job.name}; upgrade it`);
      // A deploy gives up by undoing its attempts' work, so it must still run (see stalls.ts).
      const givenUp = job.name === JOB_NAMES.deploy ? undefined : stalledTooOften(job);
      if (givenUp) throw new UnrecoverableError(givenUp);
      return processor(job);
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
  return worker;
}
