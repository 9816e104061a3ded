import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { StopIntents } from "../../src/deploys/stop-intent.js";
import type { StoppedMarks } from "../../src/deploys/stopped.js";
import type { DockerHosts } from "../../src/docker/connect.js";
import { dockerReason, onHost } from "../../src/docker/errors.js";
import { projectFilter } from "../../src/docker/labels.js";
import { restartContainer, stopContainer } from "../../src/docker/stop.js";
import type { Fleet } from "../../src/fleet/schema.js";
import { type LifecycleResult, lifecycleJobSchema } from "../../src/jobs/schemas.js";

export type LifecycleDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  intents: StopIntents;
  stopped: StoppedMarks;
  log: Logger;
};

/**
 * Restart/stop act on the running containers of the project+env; start acts on the newest one
 * (retired containers of earlier deploys are older). Every stop is marked first, so the monitor
 * does not mistake it for a crash.
 */
export async function processLifecycle(job: Job, deps: LifecycleDeps): Promise<LifecycleResult> {
  const parsed = lifecycleJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid lifecycle job: ${parsed.error.issues[0]?.message}`);
  const { action, project, env, host, requestedBy } = parsed.data;
  const spec = deps.fleet.projects[project];
  if (!spec || !deps.fleet.hosts[host]) {
    throw new UnrecoverableError(`project ${project} or host ${host} is not in this worker's fleet file`);
  }
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
