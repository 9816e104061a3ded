import type { Queue } from "bullmq";

export type JobOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Polls one job until it completes or fails. The bot has no QueueEvents of its own for these
 * short jobs; a few Redis reads a second for a few seconds is cheaper than another connection.
 */
export async function waitForJobResult<T>(
  queue: Queue,
  id: string,
  timeoutMs: number,
  pollMs = 250,
): Promise<JobOutcome<T>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : "unknown";
    if (job && state === "completed") return { ok: true, value: job.returnvalue as T };
    if (job && state === "failed") return { ok: false, error: job.failedReason };
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return { ok: false, error: "no worker finished the job in time; is a worker running?" };
}
