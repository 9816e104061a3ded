import type Docker from "dockerode";
import type { Logger } from "pino";
import { dockerReason, onHost } from "../../src/docker/errors.js";
import { projectFilter } from "../../src/docker/labels.js";
import { tailLogs } from "../../src/docker/logs.js";
import { pullImage } from "../../src/docker/pull.js";
import { DeployFailedError } from "../../src/errors.js";
import type { ProjectSpec } from "../../src/fleet/schema.js";
import type { DeployJob, DeployResult } from "../../src/jobs/schemas.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { maskSecrets } from "../../src/secrets/mask.js";
import { containerName, containerSpec } from "./container-spec.js";
import { type HealthOutcome, waitHealthy } from "./wait-healthy.js";

export type DeployEnvironment = { values: Record<string, string>; secrets: string[] };

export type DeployContext = {
  docker: Docker;
  registry: RegistryClient;
  spec: ProjectSpec;
  environment: DeployEnvironment;
  log: Logger;
  /** Called at each step; the worker turns it into a record update and a BullMQ progress event. */
  step: (text: string, extra?: { digest?: string; previous?: string[] }) => Promise<void>;
  /** Marks a container the deploy is about to stop or remove, so the monitor does not alert. */
  intendStop: (containerId: string, reason: string) => Promise<void>;
  /** Containers a crashed earlier attempt of this same deploy had stopped. */
  previouslyStopped?: string[];
  graceMs?: number;
  pollMs?: number;
};

const LOG_LINES = 15;

/**
 * One host's deploy: resolve, pull, create, (stop old when ports clash), start, wait healthy,
 * verify, retire old. Any failure removes the new container and leaves the old one serving.
 */
export async function runDeploy(job: DeployJob, ctx: DeployContext): Promise<DeployResult> {
  const started = Date.now();
  const { docker, spec, host } = { ...ctx, host: job.host };
  const call = <T>(fn: () => Promise<T>) => onHost(host, fn);

  await ctx.step("resolving tag");
  const digest = job.digest ?? (await ctx.registry.resolveDigest(spec.image, job.tag));
  const reference = ctx.registry.reference(spec.image, digest);

  await ctx.step("pulling image", { digest });
  await call(() => pullImage(docker, reference, ctx.registry.authConfig()));

  const name = containerName(job.project, job.env, job.deployId);
  const existing = await call(() =>
    docker.listContainers({ all: true, filters: projectFilter(job.project, job.env) }),
  );
  const leftover = existing.find((c) => c.Names.includes(`/${name}`));
  if (leftover) {
    // A crashed attempt of this same deploy got this far; start its container afresh.
    await call(() => docker.getContainer(leftover.Id).remove({ force: true }));
  }
  const running = existing.filter((c) => c.State === "running" && c.Id !== leftover?.Id).map((c) => c.Id);
  const toRestore = new Set(ctx.previouslyStopped ?? []);

  await ctx.step("creating container", { digest });
  const created = await call(() =>
    docker.createContainer(
      containerSpec({
        project: job.project,
        env: job.env,
        deployId: job.deployId,
        tag: job.tag,
        digest,
        reference,
        requestedBy: job.requestedBy,
        spec,
        environment: ctx.environment.values,
      }),
    ),
  );

  const publishes = spec.ports.length > 0;
  if (publishes && running.length > 0) {
    // The new container cannot bind the ports while the old one holds them.
    for (const id of running) toRestore.add(id);
    await ctx.step("stopping the previous container", { digest, previous: [...toRestore] });
    for (const id of running) {
      await ctx.intendStop(id, `replaced by deploy ${job.deployId}`);
      await call(() => docker.getContainer(id).stop({ t: Math.ceil(spec.stopTimeout / 1000) }));
    }
  }

  const fail = async (reason: string): Promise<never> => {
    await ctx.step("failed; restoring the previous version", { digest });
    await ctx.intendStop(created.id, `failed deploy ${job.deployId}`);
    await call(() => created.remove({ force: true })).catch((err) =>
      ctx.log.warn({ host, err: dockerReason(err) }, "could not remove the failed container"),
    );
    for (const id of toRestore) {
      await call(() => docker.getContainer(id).start()).catch((err) =>
        ctx.log.error(
          { host, container: id, err: dockerReason(err) },
          "could not restart the previous container",
        ),
      );
    }
    throw new DeployFailedError(maskSecrets(reason, ctx.environment.secrets));
  };

  await ctx.step("starting container", { digest });
  try {
    await call(() => created.start());
  } catch (err) {
    return fail(`Docker could not start the container: ${dockerReason(err)}`);
  }

  await ctx.step("waiting for health", { digest });
  const outcome = await waitHealthy(created, {
    timeoutMs: spec.health?.timeout ?? 60_000,
    verifyMs: spec.verify,
    graceMs: ctx.graceMs ?? 2_000,
    pollMs: ctx.pollMs ?? 250,
  });
  if (!outcome.ok) return fail(await describeFailure(created, outcome));

  await ctx.step("retiring the previous container", { digest });
  const replaced = [...new Set([...running, ...toRestore])];
  for (const id of replaced) {
    await ctx.intendStop(id, `retired by deploy ${job.deployId}`);
    await retire(docker.getContainer(id), spec, ctx.log, host);
  }
  await prune(docker, job, spec.keep, created.id, ctx.log);

  return {
    host,
    digest,
    containerId: created.id,
    containerName: name,
    replaced,
    durationMs: Date.now() - started,
  };
}

async function describeFailure(
  container: Docker.Container,
  outcome: Exclude<HealthOutcome, { ok: true }>,
): Promise<string> {
  const parts = [outcome.reason];
  if (outcome.healthLog) parts.push(`last health check: ${outcome.healthLog}`);
  const lines = await tailLogs(container, LOG_LINES).catch(() => []);
  if (lines.length > 0) parts.push(`last log lines:\n${lines.join("\n")}`);
  return parts.join("\n");
}

/** Stopped, kept for a fast rollback, and never brought back by a daemon restart. */
async function retire(
  container: Docker.Container,
  spec: ProjectSpec,
  log: Logger,
  host: string,
): Promise<void> {
  try {
    const info = await container.inspect();
    if (info.State.Running) await container.stop({ t: Math.ceil(spec.stopTimeout / 1000) });
    await container.update({ RestartPolicy: { Name: "no" } });
  } catch (err) {
    log.warn({ host, err: dockerReason(err) }, "could not retire the previous container");
  }
}

/** Keeps the newest `keep` stopped containers of this project+env; removes the rest. */
async function prune(
  docker: Docker,
  job: DeployJob,
  keep: number,
  current: string,
  log: Logger,
): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: projectFilter(job.project, job.env) });
  const retired = all
    .filter((c) => c.Id !== current && c.State !== "running")
    .sort((a, b) => b.Created - a.Created);
  for (const c of retired.slice(keep)) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((err) =>
        log.warn({ host: job.host, err: dockerReason(err) }, "could not prune an old container"),
      );
  }
}
