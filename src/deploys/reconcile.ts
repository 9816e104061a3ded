import { deployJobId, deployResultSchema } from "../jobs/schemas.js";
import { type DeployRecord, type DeployStore, type HostStatus, isFinal } from "./store.js";

/** A deploy job as BullMQ holds it: its state, why it failed when it did, what it returned. */
export type JobLookup = (
  jobId: string,
) => Promise<{ state: string; failedReason?: string; result?: unknown } | undefined>;

/** How long a record may have no job: the bot stores the record first, then enqueues. */
export const JOBLESS_GRACE_MS = 60_000;

/**
 * Gives a final state to the hosts of a deploy whose job ended without the worker saying so:
 * BullMQ failed it as stalled (the worker died or froze more often than it allows), or the job
 * never reached the queue (the bot or Redis went away between storing the record and enqueueing).
 * Without this the record would say "queued" or "running" for good. A job that completed while
 * its record does not say so lost the record's last write (a Sentinel failover drops what the old
 * master took after the switch): the record gets the job's outcome. Returns the hosts it settled.
 */
export async function reconcileDeploy(
  store: DeployStore,
  record: DeployRecord,
  jobOf: JobLookup,
  now = Date.now(),
): Promise<{ failed: string[]; succeeded: string[] }> {
  const failed: string[] = [];
  const succeeded: string[] = [];
  for (const host of record.meta.hosts) {
    const status = record.hosts[host] ?? { state: "queued" as const };
    // A host of a later rollout batch has no job yet, by design.
    if (isFinal(status.state) || status.waitsFor !== undefined) continue;
    const job = await jobOf(deployJobId(record.meta.id, host));
    let next: Partial<HostStatus>;
    const finished = job?.state === "completed" ? finishedBy(job.result) : undefined;
    if (finished) {
      next = finished;
    } else if (job?.state === "failed") {
      next = {
        state: "failed",
        error: `the worker stopped on this host without finishing (${job.failedReason ?? "no reason given"}); check /status and deploy again`,
      };
    } else if (!job && now - record.meta.createdAt >= JOBLESS_GRACE_MS) {
      next = {
        state: "failed",
        error:
          status.state === "queued"
            ? "not started: its job never reached the queue (the bot or Redis went away); deploy again"
            : "its job is gone from the queue, so nothing is deploying it any more; check /status and deploy again",
      };
    } else continue;
    // Read again just before writing: a worker may have finished it meanwhile.
    const current = await store.getHost(record.meta.id, host);
    if (current && isFinal(current.state)) continue;
    await store.setHost(record.meta.id, host, {
      ...(current ?? status),
      step: undefined,
      finishedAt: now,
      ...next,
    });
    (next.state === "succeeded" ? succeeded : failed).push(host);
  }
  return { failed, succeeded };
}

/** The state a completed job's result stands for, as its worker would have written it. */
function finishedBy(result: unknown): Partial<HostStatus> | undefined {
  const parsed = deployResultSchema.safeParse(result);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  // A superseded job names no tag of the deploy that superseded it: its record keeps waiting.
  if (r.supersededBy !== undefined) return undefined;
  return {
    state: "succeeded",
    error: undefined,
    containerName: r.containerName,
    digest: r.digest || undefined,
    ...(r.replicas !== undefined ? { replicas: r.replicas } : {}),
  };
}
