import type Docker from "dockerode";
import type { ContainerStats, HostStats } from "../jobs/read-schemas.js";
import { diskUsageOf, type RawStats, usageOf } from "../stats/usage.js";
import { unreachable, withDeadline } from "./deadline.js";
import { readDiskUsage } from "./disk-usage.js";
import { LABEL } from "./labels.js";

export type StatsOptions = {
  timeoutMs: number;
  project?: string;
  env?: string;
  /** Only these projects' containers (the monitor samples its fleet's, not a neighbour's). */
  projects?: readonly string[];
};

/** A container removed between the listing and its read (a deploy retired it) is just left out. */
const gone = (err: { statusCode?: number }) => {
  if (err?.statusCode === 404) return undefined;
  throw err;
};

async function containerStats(docker: Docker, c: Docker.ContainerInfo): Promise<ContainerStats | undefined> {
  const container = docker.getContainer(c.Id);
  // `stream: false` makes the daemon take two readings a second apart, so the CPU rate is real.
  const [raw, info] = await Promise.all([
    container.stats({ stream: false }).catch(gone) as Promise<RawStats | undefined>,
    container.inspect().catch(gone),
  ]);
  if (!raw || !info) return undefined;
  return {
    name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
    project: c.Labels?.[LABEL.project] ?? "",
    env: c.Labels?.[LABEL.env] ?? "",
    state: c.State,
    restarts: info.RestartCount ?? 0,
    ...usageOf(raw),
  };
}

/**
 * The resource usage of one host's running managed containers and the host's totals, read
 * live within `timeoutMs`. An unreachable or slow host is a value, like a snapshot's.
 */
export async function readHostStats(
  host: string,
  connect: () => Docker,
  opts: StatsOptions,
): Promise<HostStats> {
  try {
    return await withDeadline(host, opts.timeoutMs, async () => {
      const docker = connect();
      const label = [`${LABEL.managed}=true`];
      if (opts.project) label.push(`${LABEL.project}=${opts.project}`);
      if (opts.env) label.push(`${LABEL.env}=${opts.env}`);
      const [info, df, listed] = await Promise.all([
        docker.info() as Promise<{ NCPU?: number; MemTotal?: number }>,
        readDiskUsage(docker),
        docker.listContainers({ filters: { label, status: ["running"] } }),
      ]);
      const ours = opts.projects
        ? listed.filter((c) => opts.projects?.includes(c.Labels?.[LABEL.project] ?? ""))
        : listed;
      const read = await Promise.all(ours.map((c) => containerStats(docker, c)));
      const containers = read
        .filter((c): c is ContainerStats => c !== undefined)
        .sort(
          (a, b) =>
            a.project.localeCompare(b.project) || a.env.localeCompare(b.env) || a.name.localeCompare(b.name),
        );
      return {
        host,
        reachable: true as const,
        cpus: info.NCPU ?? 0,
        memTotal: info.MemTotal ?? 0,
        disk: diskUsageOf(df),
        containers,
      };
    });
  } catch (err) {
    return unreachable(host, err);
  }
}

/** Reads the named hosts' resource usage in parallel, each within the timeout. */
export type StatsReader = (hosts: readonly string[], opts: StatsOptions) => Promise<HostStats[]>;
