import { Job, type Queue, type QueueEvents } from "bullmq";
import type { JobOutcome } from "./wait-job.js";

type Waiter = (outcome: JobOutcome) => void;

/**
 * Waits for jobs to finish from the queue's event stream: one QueueEvents connection for every
 * waiting request of the process, instead of each one polling Redis. Under a burst of reads the
 * bot then does no work per pending job, so acknowledging new commands never queues behind it.
 */
export class JobWaiter {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly queue: Queue,
    events: QueueEvents,
  ) {
    events.on("completed", ({ jobId, returnvalue }) =>
      // BullMQ has already parsed the stored JSON, whatever the declared type says.
      this.settle(jobId, { state: "completed", result: returnvalue as unknown }),
    );
    events.on("failed", ({ jobId, failedReason }) =>
      this.settle(jobId, { state: "failed", reason: failedReason }),
    );
  }

  private settle(jobId: string, outcome: JobOutcome): void {
    const set = this.waiters.get(jobId);
    if (!set) return;
    this.waiters.delete(jobId);
    for (const w of set) w(outcome);
  }

  /**
   * The job's outcome, or `pending` after `timeoutMs`. Listens first, then reads the job once,
   * so an outcome that came before the listener is not missed.
   */
  async wait<T = unknown>(id: string, timeoutMs: number): Promise<JobOutcome<T>> {
    let resolve: Waiter = () => {};
    const done = new Promise<JobOutcome>((r) => {
      resolve = r;
    });
    const set = this.waiters.get(id) ?? new Set<Waiter>();
    set.add(resolve);
    this.waiters.set(id, set);
    const timer = setTimeout(() => resolve({ state: "pending" }), timeoutMs);
    try {
      const job = await Job.fromId(this.queue, id);
      if (job?.finishedOn) {
        const failed = job.failedReason && (await job.getState()) === "failed";
        resolve(
          failed
            ? { state: "failed", reason: job.failedReason }
            : { state: "completed", result: job.returnvalue },
        );
      }
      return (await done) as JobOutcome<T>;
    } finally {
      clearTimeout(timer);
      set.delete(resolve);
      if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
    }
  }
}
