import { type Job, UnrecoverableError } from "bullmq";
import type { DockerHosts } from "../../src/docker/connect.js";
import { readHostStats } from "../../src/docker/host-stats.js";
import { type HostLogs, projectLogs } from "../../src/docker/project-logs.js";
import { readRunning } from "../../src/docker/running.js";
import { snapshotHost } from "../../src/docker/snapshot.js";
import { type Fleet, proxySettings, usesProxy } from "../../src/fleet/schema.js";
import { hostReadJobSchema } from "../../src/jobs/read-schemas.js";
import { maskSecrets } from "../../src/secrets/mask.js";
import { resolveCommit } from "../code/resolve-commit.js";
import { notInFleet } from "../not-in-fleet.js";

export type ReadDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  /** Secret values of the project+env: log lines are masked before they leave the worker. */
  secretsFor: (project: string, env: string, inUse?: readonly number[]) => Promise<string[]>;
};

/**
 * Reads one host for the bot, which has no Docker access of its own. A host that cannot be read
 * is an answer (`reachable: false`, `ok: false`, `error`), not a failed job.
 */
export async function processHostRead(job: Job, deps: ReadDeps): Promise<unknown> {
  const parsed = hostReadJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid read job: ${parsed.error.issues[0]?.message}`);
  const { host, query, timeoutMs } = parsed.data;
  if (!deps.fleet.hosts[host]) throw notInFleet(host);
  const connect = () => deps.hosts.get(host);
  switch (query.kind) {
    case "snapshot":
      return snapshotHost(host, connect, {
        timeoutMs,
        inspect: query.inspect,
        project: query.project,
        ...(usesProxy(deps.fleet) ? { proxyName: proxySettings(deps.fleet).name } : {}),
      });
    case "running":
      return (await readRunning(deps.hosts, [host], query.project, query.env, timeoutMs))[host];
    case "stats":
      return readHostStats(host, connect, { timeoutMs, project: query.project, env: query.env });
    case "commit": {
      const code = deps.fleet.projects[query.project]?.code;
      if (!code) return { error: `project ${query.project} has no code section in this worker's fleet file` };
      return resolveCommit(code.repo, query.ref, timeoutMs);
    }
    case "logs": {
      const logs: HostLogs = await projectLogs(host, connect, { ...query, timeoutMs });
      if (!logs.ok) return logs;
      // The container may run an old revision whose secrets are no longer among the recent ones.
      const inUse = logs.container?.configRevision;
      const secrets = await deps.secretsFor(query.project, query.env, inUse === undefined ? [] : [inUse]);
      return { ...logs, lines: logs.lines.map((l) => maskSecrets(l, secrets)) };
    }
  }
}
