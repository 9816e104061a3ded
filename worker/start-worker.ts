import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../src/errors.js";
import { QUEUE_NAME } from "../src/queue/queues.js";

/** One processor per job name; each validates its own payload with the shared zod schema. */
export type Processors = Record<string, (job: Job) => Promise<unknown>>;

export function startWorker(
  connection: Redis,
  processors: Processors,
  log: Logger,
  opts: { concurrency: number; prefix: string; lockMs: number },
): Worker {
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      const processor = processors[job.name];
      if (!processor)
        throw new UnrecoverableError(`this worker does not know jobs of kind ${job.name}; upgrade it`);
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
      maxStalledCount: 2,
    },
  );
  worker.on("error", (err) => log.error({ err: errorMessage(err) }, "worker error"));
  return worker;
}
