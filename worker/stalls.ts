import type { Job } from "bullmq";

/**
 * How often a job may lose its worker (killed, crashed, frozen past its lock) before it is given
 * up. BullMQ's own limit fails such a job without running anything, which would leave a deploy's
 * half-made containers running beside the old ones (found by the chaos soak): so BullMQ's limit
 * is set higher (STALL_SAFETY_NET) and each processor gives up its own way at this one — a deploy
 * by undoing what its attempts did.
 */
export const STALL_LIMIT = 2;

/** BullMQ's limit: reached only if giving up itself keeps losing its worker. */
export const STALL_SAFETY_NET = STALL_LIMIT + 8;

/** Why a job that lost its worker too often is given up, or undefined while it may run again. */
export function stalledTooOften(job: Pick<Job, "stalledCounter">): string | undefined {
  if (job.stalledCounter <= STALL_LIMIT) return undefined;
  return `the workers running this job stopped ${job.stalledCounter} times (killed, crashed or frozen), so it was given up; check the workers' logs, then try again`;
}
