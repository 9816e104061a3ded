import { deployJobId } from "../jobs/schemas.js";
import { type DeployRecord, type DeployStore, isFinal } from "./store.js";

/** A deploy job as BullMQ holds it: its state, and why it failed when it did. */
export type JobLookup = (jobId: string) => Promise<{ state: string; failedReason?: string } | undefined>;

/** How long a record may have no job: the bot stores the record first, then enqueues. */
export const JOBLESS_GRACE_MS = 60_000;

/**
 * Gives a final state to the hosts of a deploy whose job ended without the worker saying so:
 * BullMQ failed it as stalled (the worker died or froze more often than it allows), or the job
 * never reached the queue (the bot or Redis went away between storing the record and enqueueing).
 * Without this the record would say "queued" or "running" for good. Returns the hosts it failed.
 */
export async function reconcileDeploy(
  store: DeployStore,
  record: DeployRecord,
  jobOf: JobLookup,
  now = Date.now(),
): Promise<string[]> {
  const failed: string[] = [];
  for (const host of record.meta.hosts) {
    const status = record.hosts[host] ?? { state: "queued" as const };
    // A host of a later rollout batch has no job yet, by design.
    if (isFinal(status.state) || status.waitsFor !== undefined) continue;
    const job = await jobOf(deployJobId(record.meta.id, host));
    let error: string;
    if (job?.state === "failed") {
      error = `the worker stopped on this host without finishing (${job.failedReason ?? "no reason given"}); check /status and deploy again`;
    } else if (!job && now - record.meta.createdAt >= JOBLESS_GRACE_MS) {
      error =
        status.state === "queued"
          ? "not started: its job never reached the queue (the bot or Redis went away); deploy again"
          : "its job is gone from the queue, so nothing is deploying it any more; check /status and deploy again";
    } else continue;
    // Read again just before writing: a worker may have finished it meanwhile.
    const current = await store.getHost(record.meta.id, host);
    if (current && isFinal(current.state)) continue;
    await store.setHost(record.meta.id, host, {
      ...(current ?? status),
      state: "failed",
      step: undefined,
      error,
      finishedAt: now,
    });
    failed.push(host);
  }
  return failed;
}
