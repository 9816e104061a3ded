import { type Job, UnrecoverableError } from "bullmq";
import type { DockerHosts } from "../../src/docker/connect.js";
import { onHost } from "../../src/docker/errors.js";
import { projectFilter, revisionsInUse } from "../../src/docker/labels.js";
import { tailLogs } from "../../src/docker/logs.js";
import type { Fleet } from "../../src/fleet/schema.js";
import { type TailLogsResult, tailLogsJobSchema } from "../../src/jobs/schemas.js";
import { maskSecrets } from "../../src/secrets/mask.js";
import { notInFleet } from "../not-in-fleet.js";

export type TailDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  /** Secret values of the project+env; every line is masked before it leaves the worker. */
  secretsFor: (project: string, env: string, inUse?: readonly number[]) => Promise<string[]>;
};

export async function processTailLogs(job: Job, deps: TailDeps): Promise<TailLogsResult> {
  const parsed = tailLogsJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid logs job: ${parsed.error.issues[0]?.message}`);
  const { project, env, host, containerId, lines } = parsed.data;
  if (!deps.fleet.projects[project] || !deps.fleet.hosts[host]) {
    throw notInFleet(host, project);
  }
  const docker = deps.hosts.get(host);
  const list = await onHost(host, () =>
    docker.listContainers({ all: true, filters: projectFilter(project, env) }),
  );
  const chosen =
    list.find((c) => c.Id.startsWith(containerId ?? "-")) ?? list.sort((a, b) => b.Created - a.Created)[0];
  if (!chosen) throw new UnrecoverableError(`no container of ${project} in ${env} on ${host}`);
  const secrets = await deps.secretsFor(project, env, revisionsInUse(chosen.Labels));
  const raw = await onHost(host, () => tailLogs(docker.getContainer(chosen.Id), lines));
  return {
    containerName: (chosen.Names[0] ?? chosen.Id).replace(/^\//, ""),
    lines: raw.map((l) => maskSecrets(l, secrets)),
  };
}
