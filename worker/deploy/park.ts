import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DeployLanes, Lane } from "../../src/deploys/deploy-lane.js";
import type { HostStatus } from "../../src/deploys/store.js";
import type { DeployJob, DeployResult } from "../../src/jobs/schemas.js";

const LOCK_WAIT_MS = 10 * 60_000;
// A holder that dies wakes nobody; its lock expires within 15 s and waiters see that here.
const LOCK_RECHECK_MS = 5_000;

/**
 * The lane is busy: park the job as delayed (it gives its worker slot back) until the holder
 * wakes it or the recheck time passes; fail it once it has waited `lockWaitMs` in all.
 */
export async function park(
  job: Job,
  lane: Lane,
  holder: string | undefined,
  ctx: {
    lanes?: DeployLanes;
    lockWaitMs?: number;
    lockRecheckMs?: number;
    save: (next: Partial<HostStatus>) => Promise<void>;
    status: HostStatus;
    /** The step the record shows now: a job woken again need not say the same thing twice. */
    shown: string | undefined;
    log: Logger;
  },
): Promise<never> {
  const waitMs = ctx.lockWaitMs ?? LOCK_WAIT_MS;
  if (Date.now() - (ctx.status.startedAt ?? Date.now()) >= waitMs) {
    const message = `another deploy (${holder ?? "?"}) of ${lane.project} to ${lane.env} kept ${lane.host} busy for ${Math.round(waitMs / 1000)}s; try again when it is done`;
    await ctx.save({ state: "failed", error: message, finishedAt: Date.now() });
    throw new UnrecoverableError(message);
  }
  const step = `waiting for deploy ${holder ?? "?"} on this host to finish`;
  if (ctx.shown !== step) {
    ctx.log.info({ holder }, step);
    await ctx.save({ step });
    await job.updateProgress({ step });
  }
  await job.moveToDelayed(Date.now() + (ctx.lockRecheckMs ?? LOCK_RECHECK_MS), job.token);
  // The holder may have released between the claim and the parking, waking nobody.
  if (await ctx.lanes?.isFree(lane)) await job.promote().catch(() => {});
  throw new DelayedError();
}

/** What a superseded job returns: nothing was deployed, and by whom it was superseded. */
export function supersededResult(data: DeployJob, status: HostStatus): DeployResult {
  return {
    host: data.host,
    digest: "",
    containerId: "",
    containerName: "",
    replaced: [],
    durationMs: 0,
    supersededBy: status.supersededBy?.deployId ?? "?",
  };
}
