import { Job, type Queue } from "bullmq";

export type JobOutcome =
  | { state: "completed"; result: unknown }
  | { state: "failed"; reason: string }
  | { state: "pending" };

/**
 * Polls a job until it completes or fails, or `timeoutMs` passes. Polling keeps the caller free
 * of a QueueEvents connection for a rare, short wait.
 */
export async function waitForJob(
  queue: Queue,
  id: string,
  timeoutMs: number,
  pollMs = 250,
): Promise<JobOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const job = await Job.fromId(queue, id);
    if (job?.finishedOn) {
      return job.failedReason && (await job.getState()) === "failed"
        ? { state: "failed", reason: job.failedReason }
        : { state: "completed", result: job.returnvalue };
    }
    if (Date.now() + pollMs > deadline) return { state: "pending" };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
