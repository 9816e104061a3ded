import type Docker from "dockerode";
import type { Logger } from "pino";
import { dockerReason, onHost } from "../../src/docker/errors.js";
import { lastExitCode } from "../../src/docker/exit-code.js";
import { LABEL, projectFilter } from "../../src/docker/labels.js";
import { imageCreated, type PullProgress, pullImage } from "../../src/docker/pull.js";
import { PullTracker } from "../../src/docker/pull-progress.js";
import { stopContainer } from "../../src/docker/stop.js";
import { DeployFailedError, HostUnreachableError } from "../../src/errors.js";
import type { ProjectSpec } from "../../src/fleet/schema.js";
import { type DeployJob, type DeployResult, MAX_REPLICAS } from "../../src/jobs/schemas.js";
import { shortCommit } from "../../src/names.js";
import { liveName } from "../../src/proxy/live-names.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { maskSecrets } from "../../src/secrets/mask.js";
import { type CodeDelivery, placeCode, pruneCodeVolumes } from "../code/code-volume.js";
import type { ProxySwap } from "../proxy/proxy-swap.js";
import { describeFailure, prune, retire } from "./aftermath.js";
import { containerName, containerSpec, parseRestart } from "./container-spec.js";
import { TakenOverError } from "./taken-over.js";
import { waitHealthy } from "./wait-healthy.js";

/** `revision`: the stored config revision these values come from, recorded for `/rollback`. */
export type DeployEnvironment = { values: Record<string, string>; secrets: string[]; revision?: number };

export type DeployContext = {
  docker: Docker;
  registry: RegistryClient;
  spec: ProjectSpec;
  environment: DeployEnvironment;
  log: Logger;
  /** Called at each step; the worker turns it into a record update and a BullMQ progress event. */
  step: (
    text: string,
    extra?: { digest?: string; previous?: string[]; imageCreatedAt?: number },
  ) => Promise<void>;
  /** Marks a container the deploy is about to stop or remove, so the monitor does not alert. */
  intendStop: (containerId: string, reason: string) => Promise<void>;
  /** Containers a crashed earlier attempt of this same deploy had stopped. */
  previouslyStopped?: string[];
  /** For a project with `code`: the commit to mount, from where, and at which path. */
  code?: Omit<CodeDelivery, "image"> & { mount: string };
  /** For a project behind the host's proxy: readies the proxy and returns the swap's steps. */
  proxy?: () => Promise<ProxySwap>;
  /** Called once the new containers are accepted (a re-attempt then finishes, never undoes). */
  accepted?: () => Promise<void>;
  /** An earlier attempt of this deploy had its containers accepted before it died. */
  acceptedEarlier?: boolean;
  /** Set when this deploy's attempts lost their workers too often: undo them and fail with it. */
  giveUp?: string;
  graceMs?: number;
  pollMs?: number;
};

const PULL_PROGRESS_MS = 1_000;
/** How long a failed deploy waits for the previous version to be back before it reports. */
const RESTORE_WAIT_MS = 30_000;

/**
 * One host's deploy: resolve, pull, create, (stop old when ports clash), start, wait healthy,
 * verify, retire old. Any failure removes the new container and leaves the old one serving.
 */
export async function runDeploy(job: DeployJob, ctx: DeployContext): Promise<DeployResult> {
  const started = Date.now();
  const { docker, spec, host } = { ...ctx, host: job.host };
  const call = <T>(fn: () => Promise<T>) => onHost(host, fn);

  const existing = await call(() =>
    docker.listContainers({ all: true, filters: projectFilter(job.project, job.env) }),
  );
  const base = containerName(job.project, job.env, job.deployId);
  // By label: behind a proxy, an accepted container carries the project's live name instead.
  const ours = (c: { Labels: Record<string, string> }) => c.Labels[LABEL.deploy] === job.deployId;
  // A crash-looping old container is "restarting", not "running", and must be replaced too.
  const live = new Set(["running", "restarting", "paused"]);
  const previous = existing.filter((c) => live.has(c.State) && !ours(c)).map((c) => c.Id);
  if (job.replicas === 0) return scaleToZero(job, ctx, previous, started);

  // Replicas: what `/scale` asked for, else as many as run now (a deploy keeps the count).
  const replicas = job.replicas ?? Math.min(Math.max(1, previous.length), MAX_REPLICAS);
  const publishes = spec.ports.length > 0;
  if (publishes && replicas > 1) {
    throw new DeployFailedError(
      `${job.project} publishes host ports (${spec.ports.join(", ")}), so a host runs at most one replica`,
    );
  }

  const running = previous;
  const toRestore = new Set(ctx.previouslyStopped ?? []);
  if (ctx.acceptedEarlier) {
    // Found by the chaos soak: a re-attempt that started afresh took the accepted containers for
    // a crashed attempt's leftovers and removed them, leaving the host with nothing running.
    const mine = existing.filter((c) => ours(c) && c.State === "running");
    if (mine.length > 0)
      return finishAccepted(job, ctx, mine, [...new Set([...running, ...toRestore])], started);
  }
  // A crashed attempt of this same deploy may have left its containers here (and the old ones
  // stopped): this attempt starts them afresh, or removes them if it fails before that.
  const leftovers = new Set(existing.filter(ours).map((c) => c.Id));
  const created: Docker.Container[] = [];
  let digest: string | undefined;
  let proxy: ProxySwap | undefined;

  // Puts the host back as it was: this deploy's containers gone, the old ones running.
  const restore = async (): Promise<void> => {
    await ctx.step("failed; restoring the previous version", digest ? { digest } : {}).catch((err) => {
      // A later attempt of this deploy owns the host now: undoing anything would undo its work.
      if (err instanceof TakenOverError) throw err;
    });
    const ids = [...created.map((c) => c.id), ...leftovers];
    for (const id of ids) {
      await ctx.intendStop(id, `failed deploy ${job.deployId}`).catch(() => {});
      await call(() => docker.getContainer(id).remove({ force: true })).catch((err) =>
        ctx.log.warn({ host, err: dockerReason(err) }, "could not remove the failed container"),
      );
    }
    const restarted: Docker.Container[] = [];
    for (const id of toRestore) {
      await call(() => docker.getContainer(id).start())
        .then(() => restarted.push(docker.getContainer(id)))
        .catch((err) =>
          ctx.log.error(
            { host, container: id, err: dockerReason(err) },
            "could not restart the previous container",
          ),
        );
    }
    // The failure message says the previous version keeps serving: it must be back before then.
    await Promise.all(
      restarted.map(async (container) => {
        const back = await call(() =>
          waitHealthy(container, {
            timeoutMs: Math.min(spec.health?.timeout ?? RESTORE_WAIT_MS, RESTORE_WAIT_MS),
            verifyMs: 0,
            graceMs: ctx.graceMs ?? 2_000,
            pollMs: ctx.pollMs ?? 100,
          }),
        ).catch((err: unknown) => ({ ok: false as const, reason: dockerReason(err) }));
        if (!back.ok)
          ctx.log.error(
            { host, container: container.id, reason: back.reason },
            "the previous container did not come back",
          );
      }),
    );
  };

  try {
    if (ctx.giveUp) throw new DeployFailedError(ctx.giveUp);
    await ctx.step("resolving tag");
    digest = job.digest ?? (await ctx.registry.resolveDigest(spec.image, job.tag));
    const reference = ctx.registry.reference(spec.image, digest);

    // Before anything of the app changes: a proxy that cannot take the route fails the deploy here.
    proxy = ctx.proxy ? await ctx.proxy() : undefined;

    await ctx.step("pulling image", { digest });
    await call(() =>
      pullImage(docker, reference, ctx.registry.authConfig(), pullProgress(ctx, digest ?? "")),
    );
    const imageCreatedAt = await call(() => imageCreated(docker, reference));
    const code = ctx.code;
    let mounted: { volume: string; mount: string; commit: string } | undefined;
    if (code) {
      await ctx.step(`placing code ${shortCommit(code.commit)}`, { digest });
      const volume = await call(() => placeCode(docker, { ...code, image: reference }));
      mounted = { volume, mount: code.mount, commit: code.commit };
    }

    for (const id of leftovers) {
      await call(() => docker.getContainer(id).remove({ force: true }));
      leftovers.delete(id);
    }

    await ctx.step(replicas > 1 ? `creating ${replicas} containers` : "creating container", {
      digest,
      ...(imageCreatedAt !== undefined ? { imageCreatedAt } : {}),
    });
    for (let replica = 1; replica <= replicas; replica++) {
      // Created with restart policy "no" (see containerSpec): Docker restarts nothing of a
      // deploy that has not been accepted, even a daemon that comes back after a failure.
      const container = await call(() =>
        docker.createContainer(
          containerSpec({
            project: job.project,
            env: job.env,
            deployId: job.deployId,
            tag: job.tag,
            digest: digest ?? "",
            reference,
            requestedBy: job.requestedBy,
            spec,
            environment: ctx.environment.values,
            replica,
            configRevision: ctx.environment.revision,
            ...(mounted ? { code: mounted } : {}),
          }),
        ),
      );
      created.push(container);
    }
  } catch (err) {
    // A retry that fails early (registry down, host gone) must not leave the crashed attempt's
    // containers running beside the old ones, nor the old ones stopped.
    if (
      !(err instanceof TakenOverError) &&
      (created.length > 0 || leftovers.size > 0 || toRestore.size > 0)
    ) {
      await restore();
    }
    throw err;
  }
  const fail = async (reason: string): Promise<never> => {
    await restore();
    throw new DeployFailedError(maskSecrets(reason, ctx.environment.secrets));
  };

  try {
    if (publishes && running.length > 0) {
      // The new container cannot bind the ports while the old one holds them.
      for (const id of running) toRestore.add(id);
      await ctx.step("stopping the previous container", { digest, previous: [...toRestore] });
      for (const id of running) {
        await ctx.intendStop(id, `replaced by deploy ${job.deployId}`);
        await call(() => stopContainer(docker.getContainer(id), spec.stopTimeout));
      }
    }

    await ctx.step(replicas > 1 ? `starting ${replicas} containers` : "starting container", { digest });
    for (const container of created) {
      try {
        await call(() => container.start());
      } catch (err) {
        // A host that stopped answering may still have started it: undo what can be undone and
        // let the job retry, whose first act is to remove this attempt's containers (found by the
        // chaos soak: a start cut off by a reset left a "failed" deploy's container running).
        if (err instanceof HostUnreachableError) throw err;
        return fail(`Docker could not start the container: ${dockerReason(err)}`);
      }
    }

    await ctx.step("waiting for health", { digest });
    const outcomes = await Promise.all(
      created.map((container) =>
        call(() =>
          waitHealthy(container, {
            timeoutMs: spec.health?.timeout ?? 60_000,
            verifyMs: spec.verify,
            graceMs: ctx.graceMs ?? 2_000,
            pollMs: ctx.pollMs ?? 100,
            lastExitCode: () => lastExitCode(docker, container.id, started),
          }),
        ),
      ),
    );
    for (const [i, outcome] of outcomes.entries()) {
      if (!outcome.ok) return fail(await describeFailure(created[i] as Docker.Container, outcome));
    }

    // The last step that may still fail the deploy (a lost host lock stops it here), then the
    // restart policy and the proxy switch: past them the new containers are accepted and nothing
    // below can turn the outcome into a failure. Behind a proxy the step comes before the
    // switch, so a lost lock never removes what it serves.
    await ctx.step(proxy ? "switching the proxy to the new container" : "retiring the previous container", {
      digest,
    });
    // Accepted: only now may Docker restart the new containers (also after a daemon restart).
    // Before the proxy switch, so a failure here never leaves the proxy on removed containers.
    for (const container of created) {
      await call(() => container.update({ RestartPolicy: parseRestart(spec.restart) }));
    }
    if (proxy) {
      const swap = proxy;
      const switched = await call(() => swap.switchTo(created));
      if (!switched.ok) return fail(switched.reason);
    }
    // Past this point nothing undoes the swap; a record that cannot say so only costs a redo.
    await ctx.accepted?.().catch(() => {});
  } catch (err) {
    // Anything unexpected between stopping the old containers and accepting the new ones (a
    // host that stops answering, Redis failing a step, a lost lock) must not leave the old
    // ones stopped or the new ones running.
    if (err instanceof DeployFailedError || err instanceof TakenOverError) throw err;
    await restore();
    throw err;
  }
  if (proxy && running.length > 0) {
    // Accepted: a step that cannot be saved now (a lost lock) must not stop the drain.
    await ctx.step("draining the previous container", { digest }).catch(() => {});
    await proxy.drain();
    await ctx.step("retiring the previous container", { digest }).catch(() => {});
  }
  const replaced = [...new Set([...running, ...toRestore])];
  await finishSwap(docker, job, spec, ctx, replaced, created);

  return {
    host,
    digest,
    ...(ctx.code ? { commit: ctx.code.commit } : {}),
    containerId: (created[0] as Docker.Container).id,
    // Behind a proxy the accepted containers took the project's live name (see live-names.ts).
    containerName: proxy ? liveName(job.project, job.env) : base,
    replaced,
    durationMs: Date.now() - started,
    replicas,
  };
}

/** Finishes the swap of an earlier attempt whose containers were accepted: retire the rest. */
async function finishAccepted(
  job: DeployJob,
  ctx: DeployContext,
  mine: Docker.ContainerInfo[],
  replaced: string[],
  started: number,
): Promise<DeployResult> {
  const call = <T>(fn: () => Promise<T>) => onHost(job.host, fn);
  const digest = mine[0]?.Labels[LABEL.digest] ?? job.digest ?? "";
  const created = mine.map((c) => ctx.docker.getContainer(c.Id));
  await ctx.step("retiring the previous container", { digest });
  if (ctx.proxy && replaced.length > 0) {
    const swap = await ctx.proxy();
    // The proxy may not have been switched yet when the attempt died; switching again is a no-op.
    const switched = await call(() => swap.switchTo(created));
    if (switched.ok) await swap.drain();
  }
  await finishSwap(ctx.docker, job, ctx.spec, ctx, replaced, created);
  return {
    host: job.host,
    digest,
    containerId: (created[0] as Docker.Container).id,
    containerName: ctx.proxy
      ? liveName(job.project, job.env)
      : containerName(job.project, job.env, job.deployId),
    replaced,
    durationMs: Date.now() - started,
    replicas: mine.length,
  };
}

/**
 * Retires the old containers and prunes. The new ones already serve, so a failure here is
 * logged, not reported as a failed deploy: the outcome stays "the new version runs".
 */
async function finishSwap(
  docker: Docker,
  job: DeployJob,
  spec: ProjectSpec,
  ctx: DeployContext,
  replaced: string[],
  created: Docker.Container[],
): Promise<void> {
  const warn = (what: string) => (err: unknown) =>
    ctx.log.warn({ host: job.host, err: dockerReason(err) }, `${what} after a successful swap`);
  for (const id of replaced) {
    await ctx
      .intendStop(id, `retired by deploy ${job.deployId}`)
      .catch(warn("could not mark a retiring container"));
    await retire(docker.getContainer(id), spec, ctx.log, job.host);
  }
  const current = created.map((c) => c.id);
  await prune(docker, job, spec.keep, current, ctx.log).catch(warn("could not prune old containers"));
  if (ctx.code) {
    await pruneCodeVolumes(docker, job.project, job.env, ctx.log).catch(warn("could not prune code volumes"));
  }
}

/** `/scale` gave this host no replica: retire what runs, keep it for a rollback. */
async function scaleToZero(
  job: DeployJob,
  ctx: DeployContext,
  running: string[],
  started: number,
): Promise<DeployResult> {
  await ctx.step("retiring every replica on this host");
  for (const id of running) {
    await ctx.intendStop(id, `scaled to 0 by ${job.deployId}`);
    await retire(ctx.docker.getContainer(id), ctx.spec, ctx.log, job.host);
  }
  await prune(ctx.docker, job, ctx.spec.keep, [], ctx.log).catch((err) =>
    ctx.log.warn({ host: job.host, err: dockerReason(err) }, "could not prune old containers"),
  );
  return {
    host: job.host,
    digest: job.digest ?? "",
    containerId: "",
    containerName: "",
    replaced: running,
    durationMs: Date.now() - started,
    replicas: 0,
  };
}

/**
 * Layer progress as a step, at most once a second and only when it changed: each step is a
 * Redis write and a BullMQ event, and the bot throttles the chat updates on top of that.
 */
function pullProgress(ctx: DeployContext, digest: string): PullProgress {
  const tracker = new PullTracker();
  let shown = "";
  let at = 0;
  return (_status, event) => {
    const text = tracker.add(event);
    if (!text || text === shown || Date.now() - at < PULL_PROGRESS_MS) return;
    shown = text;
    at = Date.now();
    ctx.step(text, { digest }).catch((err) => ctx.log.debug({ err: String(err) }, "pull progress not saved"));
  };
}
