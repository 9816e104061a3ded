import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DeployLanes, Lane } from "../../src/deploys/deploy-lane.js";
import type { HostLocks } from "../../src/deploys/host-lock.js";
import type { StopIntents } from "../../src/deploys/stop-intent.js";
import type { DeployStore, HostStatus } from "../../src/deploys/store.js";
import type { DockerHosts } from "../../src/docker/connect.js";
import { DeployFailedError, errorMessage, HostUnreachableError, RegistryError } from "../../src/errors.js";
import type { Fleet } from "../../src/fleet/schema.js";
import { type DeployJob, type DeployResult, deployJobSchema } from "../../src/jobs/schemas.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { waitForAgent } from "../agent-wait.js";
import { notInFleet } from "../not-in-fleet.js";
import { behindProxy, proxyForDeploy } from "../proxy/deploy-proxy.js";
import { stalledTooOften } from "../stalls.js";
import { park, supersededResult } from "./park.js";
import { type DeployEnvironment, runDeploy } from "./run-deploy.js";
import { TakenOverError } from "./taken-over.js";

export type DeployDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  registry: RegistryClient;
  store: DeployStore;
  log: Logger;
  /** The effective container environment: fleet defaults overlaid with stored config. */
  environmentFor: (project: string, env: string, revision?: number) => Promise<DeployEnvironment>;
  intents: StopIntents;
  graceMs?: number;
  stepDelayMs?: number;
  /** One deploy per project+env+host at a time; a second one waits up to `lockWaitMs`. */
  lanes?: DeployLanes;
  /** The hosts' proxy locks: a proxy swap and another worker's route change never interleave. */
  locks?: HostLocks;
  lockWaitMs?: number;
  /** How long a waiting job stays parked before it looks again if nobody woke it. */
  lockRecheckMs?: number;
  /** Moves parked jobs (by id) back to the queue: the lane holder calls it when done. */
  wake?: (jobIds: string[]) => Promise<void>;
  /** Why the host cannot be reached now (its agent is down), or undefined: the deploy then waits. */
  agentDown?: (host: string) => Promise<string | undefined>;
};

/** Faults a retry cannot fix: the image is bad or missing, or the request itself is wrong. */
function isPermanent(err: unknown): boolean {
  return (
    err instanceof DeployFailedError || err instanceof RegistryError || err instanceof UnrecoverableError
  );
}

export async function processDeploy(job: Job, deps: DeployDeps): Promise<DeployResult> {
  const parsed = deployJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid deploy job: ${parsed.error.issues[0]?.message}`);
  const data: DeployJob = parsed.data;
  const spec = deps.fleet.projects[data.project];
  if (!spec || !deps.fleet.hosts[data.host]) {
    throw notInFleet(data.host, data.project);
  }
  if (spec.code && !data.commit) {
    throw new UnrecoverableError(
      `project ${data.project} deploys code from git, but this job names no commit; deploy it again from chat`,
    );
  }
  const code =
    spec.code && data.commit
      ? {
          project: data.project,
          env: data.env,
          commit: data.commit,
          repo: spec.code.repo,
          mount: spec.code.mount,
        }
      : undefined;
  const log = deps.log.child({
    deployId: data.deployId,
    host: data.host,
    project: data.project,
    env: data.env,
  });
  // A redelivered job whose earlier attempt finished: report, do not deploy twice.
  const alreadyDone = (done: HostStatus): DeployResult => {
    log.info("deploy already succeeded on this host; nothing to do");
    return {
      host: data.host,
      digest: done.digest ?? "",
      containerId: "",
      containerName: done.containerName ?? "",
      replaced: [],
      durationMs: 0,
    };
  };
  // An attempt that recorded a failure had already put the old version back and said so; its
  // job may still come round again (its end was lost with Redis): saying "failed" then deploying
  // anyway would be a deploy nobody asked for.
  const alreadyFailed = (failed: HostStatus): never => {
    log.info("deploy already failed on this host; not trying again");
    throw new UnrecoverableError(failed.error ?? "this deploy already failed on this host");
  };
  let before = await deps.store.getHost(data.deployId, data.host);
  if (before?.state === "succeeded") return alreadyDone(before);
  if (before?.state === "failed") return alreadyFailed(before);
  if (before?.state === "superseded") return supersededResult(data, before);
  const startedAt = before?.startedAt ?? Date.now();
  // The digest says an earlier attempt got as far as pulling: it must finish, not be superseded.
  let status: HostStatus = {
    state: "running",
    step: "starting",
    startedAt,
    previous: before?.previous,
    ...(before?.digest ? { digest: before.digest } : {}),
    ...(before?.accepted ? { accepted: true } : {}),
    ...(code ? { commit: code.commit } : {}),
  };
  const save = async (next: Partial<HostStatus>) => {
    status = { ...status, ...next };
    await deps.store.setHost(data.deployId, data.host, status);
  };

  const agentDown = await deps.agentDown?.(data.host);
  if (agentDown) {
    return waitForAgent(job, agentDown, { since: startedAt, log, show: (step) => save({ step }) });
  }
  const givenUp = stalledTooOften(job);
  const lane: Lane = { project: data.project, env: data.env, host: data.host };
  const claim = await deps.lanes?.claim(lane, {
    deployId: data.deployId,
    tag: data.tag,
    at: job.timestamp,
    supersedable: !before?.digest && !before?.previous?.length,
    waiterId: job.id ?? "",
  });
  if (claim?.kind === "superseded") {
    log.info({ newer: claim.by.deployId }, "deploy superseded by a newer request; nothing to do");
    await save({ state: "superseded", step: undefined, supersededBy: claim.by, finishedAt: Date.now() });
    return supersededResult(data, status);
  }
  if (claim?.kind === "busy") {
    return park(job, lane, claim.holder, { ...deps, save, status, shown: before?.step, log });
  }
  const lock = claim?.lock;
  try {
    // An earlier attempt of this job may have finished while this one waited for the lock.
    before = await deps.store.getHost(data.deployId, data.host);
    if (before?.state === "succeeded") return alreadyDone(before);
    if (before?.state === "failed") return alreadyFailed(before);
    status = { ...status, previous: before?.previous };
    await save({});
    const environment = await deps.environmentFor(data.project, data.env, data.configRevision);
    const configRevision = environment.revision ?? data.configRevision;
    if (configRevision !== undefined) await save({ configRevision });
    const result = await runDeploy(data, {
      docker: deps.hosts.get(data.host),
      registry: deps.registry,
      spec: behindProxy(spec, deps.fleet),
      environment,
      log,
      previouslyStopped: before?.previous,
      ...(code ? { code } : {}),
      proxy: proxyForDeploy(data, deps, log),
      acceptedEarlier: before?.accepted === true,
      ...(givenUp ? { giveUp: `${givenUp}; the previous version keeps serving` } : {}),
      accepted: async () => {
        await save({ accepted: true });
        if (deps.stepDelayMs) await new Promise((r) => setTimeout(r, deps.stepDelayMs));
      },
      intendStop: (id, reason) => deps.intents.mark(data.host, id, reason),
      graceMs: deps.graceMs,
      step: async (text, extra) => {
        // Asked at every step, so a later attempt that took the lane over stops this one at once.
        if (lock && (lock.lost() || !(await lock.held()))) {
          if ((await deps.lanes?.holder(lane)) === data.deployId)
            throw new TakenOverError(data.deployId, data.host);
          // Someone else may be deploying here now; going on could leave two versions running.
          throw new UnrecoverableError(
            `this deploy lost its lock on ${data.host} (Redis was away or the worker paused too long), so it stopped there and left the previous version running — check /status and deploy again`,
          );
        }
        await save({ step: text, ...extra });
        await job.updateProgress({ step: text });
        await job.log(`${new Date().toISOString()} ${text}`);
        log.info({ step: text }, "deploy step");
        if (deps.stepDelayMs) await new Promise((r) => setTimeout(r, deps.stepDelayMs));
      },
    });
    await save({
      state: "succeeded",
      step: undefined,
      containerName: result.containerName,
      finishedAt: Date.now(),
      digest: result.digest || undefined,
      ...(result.replicas !== undefined ? { replicas: result.replicas } : {}),
    });
    log.info({ durationMs: result.durationMs, digest: result.digest }, "deploy succeeded");
    return result;
  } catch (err) {
    if (err instanceof TakenOverError) {
      log.warn("a later attempt of this deploy took over the host; this attempt stops");
      throw err;
    }
    const message = errorMessage(err);
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (isPermanent(err) || last || !(err instanceof HostUnreachableError)) {
      await save({ state: "failed", error: message, finishedAt: Date.now() });
      log.warn({ err: message }, "deploy failed");
      throw err instanceof UnrecoverableError ? err : new UnrecoverableError(message);
    }
    await save({ state: "retrying", error: message });
    log.warn({ err: message, attempt: job.attemptsMade + 1 }, "deploy attempt failed; will retry");
    throw err;
  } finally {
    await lock?.release();
    // Whoever waits for this host looks again now (the newest of them takes it).
    const waiting = await deps.lanes?.takeWaiters(lane).catch(() => []);
    if (waiting?.length) await deps.wake?.(waiting).catch(() => {});
  }
}
