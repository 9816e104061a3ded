import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DeployLanes } from "../../src/deploys/deploy-lane.js";
import type { HeldLock, HostLocks } from "../../src/deploys/host-lock.js";
import type { StopIntents } from "../../src/deploys/stop-intent.js";
import type { StoppedMarks } from "../../src/deploys/stopped.js";
import type { DockerHosts } from "../../src/docker/connect.js";
import { dockerReason, onHost } from "../../src/docker/errors.js";
import { projectFilter } from "../../src/docker/labels.js";
import { restartContainer, stopContainer } from "../../src/docker/stop.js";
import type { Fleet, ProjectSpec } from "../../src/fleet/schema.js";
import { type LifecycleJob, type LifecycleResult, lifecycleJobSchema } from "../../src/jobs/schemas.js";
import { notInFleet } from "../not-in-fleet.js";

export type LifecycleDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  intents: StopIntents;
  stopped: StoppedMarks;
  log: Logger;
  /** The deploys' per project+env+host lock: a restart never overlaps a deploy there. */
  locks?: HostLocks;
  lanes?: DeployLanes;
  wake?: (jobIds: string[]) => Promise<void>;
  /** How long a restart or stop waits for a deploy under way there (default 30 s). */
  laneWaitMs?: number;
};

/**
 * Takes the lane of the project+env+host, as a deploy does: a deploy that listed the containers
 * while a restart had one stopped would not retire it, and the restart would then start it again
 * beside the new version (found by the chaos soak). While a deploy holds it the job is parked as
 * delayed (its worker slot goes to other work) and looks again each second, up to `laneWaitMs`
 * from when it was asked for.
 */
async function takeLane(
  job: Job,
  deps: LifecycleDeps,
  lane: { project: string; env: string; host: string },
  action: string,
): Promise<HeldLock | undefined> {
  if (!deps.locks) return undefined;
  const lock = await deps.locks.tryAcquire(lane.project, lane.env, lane.host, `${action}:${job.id ?? "job"}`);
  if (lock) return lock;
  const holder = await deps.locks.holder(lane.project, lane.env, lane.host);
  const busy = `a deploy of ${lane.project} to ${lane.env} is under way on ${lane.host}${holder ? ` (${holder})` : ""}`;
  if (Date.now() - job.timestamp > (deps.laneWaitMs ?? 30_000)) {
    throw new UnrecoverableError(`${busy}; nothing was done — ${action} again once it ends`);
  }
  const step = `waiting: ${busy}`;
  if ((job.progress as { step?: unknown } | undefined)?.step !== step) await job.updateProgress({ step });
  await job.moveToDelayed(Date.now() + LANE_RECHECK_MS, job.token);
  throw new DelayedError();
}

const LANE_RECHECK_MS = 1_000;

/**
 * Restart/stop act on the running containers of the project+env; start acts on the newest one
 * (retired containers of earlier deploys are older). Every stop is marked first, so the monitor
 * does not mistake it for a crash.
 */
export async function processLifecycle(job: Job, deps: LifecycleDeps): Promise<LifecycleResult> {
  const parsed = lifecycleJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid lifecycle job: ${parsed.error.issues[0]?.message}`);
  const { action, project, env, host } = parsed.data;
  const spec = deps.fleet.projects[project];
  if (!spec || !deps.fleet.hosts[host]) {
    throw notInFleet(host, project);
  }
  const lane = { project, env, host };
  const lock = await takeLane(job, deps, lane, action);
  try {
    return await runLifecycle(parsed.data, spec, deps);
  } finally {
    await lock?.release();
    // Deploys that found the lane taken wait parked; the newest of them takes it now.
    const waiting = await deps.lanes?.takeWaiters(lane).catch(() => []);
    if (waiting?.length) await deps.wake?.(waiting).catch(() => {});
  }
}

async function runLifecycle(
  { action, project, env, host, requestedBy }: LifecycleJob,
  spec: ProjectSpec,
  deps: LifecycleDeps,
): Promise<LifecycleResult> {
  const docker = deps.hosts.get(host);
  const call = <T>(fn: () => Promise<T>) => onHost(host, fn);
  const log = deps.log.child({ host, project, env, action });
  const all = await call(() => docker.listContainers({ all: true, filters: projectFilter(project, env) }));
  const running = all.filter((c) => c.State === "running");
  const newest = [...all].sort((a, b) => b.Created - a.Created)[0];
  // Restart of a project whose container is down (an alert's Restart button) starts the newest one.
  const revive = newest ? [newest] : [];
  const targets =
    action === "start" ? revive : action === "restart" && running.length === 0 ? revive : running;
  if (targets.length === 0) {
    throw new UnrecoverableError(
      action === "start"
        ? `no container of ${project} in ${env} on ${host}; deploy it first`
        : `no ${action === "stop" ? "running " : ""}container of ${project} in ${env} on ${host}`,
    );
  }
  const reason = `${action} by ${requestedBy}`;
  try {
    for (const c of targets) {
      const container = docker.getContainer(c.Id);
      if (action !== "start") await deps.intents.mark(host, c.Id, reason);
      if (action === "restart") await call(() => restartContainer(container, spec.stopTimeout));
      if (action === "stop") await call(() => stopContainer(container, spec.stopTimeout));
      if (action === "start" && c.State !== "running") await call(() => container.start());
    }
  } catch (err) {
    throw new UnrecoverableError(`could not ${action} on ${host}: ${dockerReason(err)}`);
  }
  if (action === "stop") await deps.stopped.set(project, env, host, requestedBy);
  else await deps.stopped.clear(project, env, host);
  const first = targets[0] as (typeof targets)[number];
  const info = await call(() => docker.getContainer(first.Id).inspect());
  log.info({ containers: targets.map((c) => c.Id.slice(0, 12)) }, `${action} done`);
  return {
    host,
    containerName: info.Name.replace(/^\//, ""),
    state: info.State.Status,
    startedAt: info.State.StartedAt,
  };
}
