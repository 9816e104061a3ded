import { Job, type Queue } from "bullmq";

export type JobOutcome<T = unknown> =
  | { state: "completed"; result: T }
  | { state: "failed"; reason: string }
  | { state: "pending" };

/** What to tell a user whose job no worker finished in time. */
export const NOT_FINISHED = "no worker finished the job in time; is a worker running?";

/**
 * Polls a job until it completes or fails, or `timeoutMs` passes. Polling keeps the caller free
 * of a QueueEvents connection for a rare, short wait.
 */
export async function waitForJob<T = unknown>(
  queue: Queue,
  id: string,
  timeoutMs: number,
  pollMs = 250,
): Promise<JobOutcome<T>> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const job = await Job.fromId(queue, id);
    if (job?.finishedOn) {
      return job.failedReason && (await job.getState()) === "failed"
        ? { state: "failed", reason: job.failedReason }
        : { state: "completed", result: job.returnvalue as T };
    }
    if (Date.now() + pollMs > deadline) return { state: "pending" };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
