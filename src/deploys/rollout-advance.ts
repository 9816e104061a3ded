import type { Logger } from "pino";
import type { DeployJob } from "../jobs/schemas.js";
import { deployJobOf } from "./deploy-job.js";
import { newDeployId } from "./id.js";
import { previousOnHost } from "./previous.js";
import type { RolloutPlan } from "./rollout.js";
import type { RolloutStore } from "./rollout-store.js";
import { type DeployRecord, type DeployStore, type HostStatus, isFinal } from "./store.js";

export type RolloutDeps = {
  store: DeployStore;
  rollouts: RolloutStore;
  /** Adds deploy jobs that start after `delayMs` (BullMQ's delayed jobs: no worker waits). */
  enqueue: (jobs: DeployJob[], delayMs: number) => Promise<void>;
  log: Logger;
};

const HISTORY_DEPTH = 200;

const statusOf = (record: DeployRecord, host: string): HostStatus =>
  record.hosts[host] ?? { state: "queued" };

/**
 * Moves a rollout on once a batch has ended: the next batch starts (after the pause) when every
 * host before it succeeded and nobody cancelled; otherwise the hosts still waiting are told why
 * they will not start, and with `onFailure: rollback` the hosts that took the new version get
 * the previous one back. Called by the worker whenever a host of the deploy finished, and by the
 * bot when it finds a job that ended without a word. Safe to repeat and to race: jobs have fixed
 * ids and the rollback is claimed once.
 */
export async function advanceRollout(deps: RolloutDeps, deployId: string): Promise<void> {
  const record = await deps.store.get(deployId);
  const plan = record?.meta.rollout;
  if (!record || !plan) return;
  const done = (batch: string[]) => batch.every((h) => isFinal(statusOf(record, h).state));
  let next = plan.batches.findIndex((b) => !done(b));
  if (next === 0) return;
  if (next === -1) next = plan.batches.length;
  const upcoming = plan.batches[next];
  // Started already: its hosts have jobs, and whoever finishes last comes back here.
  if (upcoming?.some((h) => statusOf(record, h).waitsFor === undefined)) return;

  const finished = plan.batches.slice(0, next).flat();
  const failed = finished.filter((h) => statusOf(record, h).state !== "succeeded");
  const cancelledBy = await deps.rollouts.cancelledBy(deployId);
  if (failed.length === 0 && !cancelledBy) {
    if (upcoming) await startBatch(deps, record, plan, next, finished);
    return;
  }
  // The rollback first: until the waiting hosts are told, the message does not read as final.
  // A cancelled rollout stops; only a failed one is rolled back.
  if (!cancelledBy && failed.length > 0 && plan.onFailure === "rollback")
    await rollBack(deps, record, finished, next);
  const error = cancelledBy
    ? `not started: the rollout was cancelled after batch ${next}`
    : `not started: batch ${next} failed on ${failed.join(", ")}`;
  for (const host of plan.batches.slice(next).flat()) {
    if (statusOf(record, host).waitsFor === undefined) continue;
    await deps.store.setHost(deployId, host, {
      state: "failed",
      error,
      finishedAt: Date.now(),
      ...(cancelledBy ? { cancelledBy } : {}),
    });
  }
  deps.log.warn({ deployId, batch: next, failed, cancelledBy }, "rollout stopped");
}

async function startBatch(
  deps: RolloutDeps,
  record: DeployRecord,
  plan: RolloutPlan,
  index: number,
  finished: string[],
): Promise<void> {
  const hosts = plan.batches[index] ?? [];
  // Every batch runs the image the first one resolved, even if the tag has moved since.
  const digest = finished.map((h) => statusOf(record, h).digest).find((d) => d !== undefined);
  const jobs = (await deps.rollouts.jobs(record.meta.id))
    .filter((j) => hosts.includes(j.host))
    .map((j) => ({ ...j, ...(j.digest || !digest ? {} : { digest }) }));
  for (const host of hosts) await deps.store.setHost(record.meta.id, host, { state: "queued" });
  await deps.enqueue(jobs, plan.pauseMs);
  deps.log.info({ deployId: record.meta.id, batch: index + 1, hosts }, "rollout batch queued");
}

/** Deploys the previous version again to the hosts that took the new one, as a linked deploy. */
async function rollBack(
  deps: RolloutDeps,
  record: DeployRecord,
  finished: string[],
  failedBatch: number,
): Promise<void> {
  const { meta } = record;
  const took = finished.filter((h) => statusOf(record, h).state === "succeeded");
  if (took.length === 0) return;
  const history = await deps.store.history(meta.project, meta.env, HISTORY_DEPTH);
  const targets = took.flatMap((h) => {
    const previous = previousOnHost(history, h).previous;
    return previous ? [previous] : [];
  });
  if (targets.length === 0) return;
  const id = newDeployId();
  if (!(await deps.rollouts.claimRollback(meta.id, id))) return;
  const tags = [...new Set(targets.map((t) => t.tag))];
  const revisions = [...new Set(targets.map((t) => t.configRevision))];
  await deps.store.create({
    id,
    project: meta.project,
    env: meta.env,
    tag: tags.length === 1 ? (tags[0] as string) : "previous",
    hosts: targets.map((t) => t.host),
    requestedBy: meta.requestedBy,
    channel: meta.channel,
    createdAt: Date.now(),
    via: `rollback: batch ${failedBatch} of the rollout failed`,
    rollbackOf: meta.id,
    ...(revisions.length === 1 && revisions[0] !== undefined ? { configRevision: revisions[0] } : {}),
  });
  const who = { deployId: id, project: meta.project, env: meta.env, requestedBy: meta.requestedBy };
  await deps.enqueue(
    targets.map((t) => deployJobOf(who, t)),
    0,
  );
  deps.log.warn(
    { deployId: meta.id, rollback: id, hosts: targets.map((t) => t.host) },
    "rollout rolled back",
  );
}
