import type Docker from "dockerode";
import { unreachable, withDeadline } from "./deadline.js";
import { LABEL } from "./labels.js";

/** A managed container as /status, /hosts and /images show it; plain data. */
export type ContainerView = {
  id: string;
  name: string;
  project: string;
  env: string;
  version: string;
  digest: string;
  configRevision?: string;
  commit?: string;
  /** Docker's state: running, exited, created, restarting, paused, dead. */
  state: string;
  /** healthy, unhealthy, starting; undefined without a health check or when not inspected. */
  health?: string;
  startedAt?: number;
  created: number;
};

/** The host's proxy container as /hosts shows it. */
export type ProxyView = { state: string; image: string; startedAt?: number };

export type HostSnapshot =
  | {
      host: string;
      reachable: true;
      dockerVersion: string;
      running: number;
      total: number;
      managed: ContainerView[];
      /** Only when asked for by name; absent when the host runs no such container. */
      proxy?: ProxyView;
    }
  | { host: string; reachable: false; reason: string };

export type SnapshotOptions = {
  timeoutMs: number;
  /** Inspect running managed containers for start time and health (one call each). */
  inspect?: boolean;
  /** Only this project's containers in `managed`. */
  project?: string;
  /** The name of the fleet's proxy container, to report it. */
  proxyName?: string;
};

function view(c: Docker.ContainerInfo): ContainerView {
  const label = (key: string) => c.Labels?.[key] ?? "";
  return {
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
    project: label(LABEL.project),
    env: label(LABEL.env),
    version: label(LABEL.version),
    digest: label(LABEL.digest),
    ...(label(LABEL.configRevision) ? { configRevision: label(LABEL.configRevision) } : {}),
    ...(label(LABEL.commit) ? { commit: label(LABEL.commit) } : {}),
    state: c.State,
    created: c.Created * 1000,
  };
}

async function inspected(docker: Docker, c: ContainerView): Promise<ContainerView> {
  if (c.state !== "running") return c;
  // A container removed since the listing (a deploy just retired it) keeps its listed state.
  const info = await docker
    .getContainer(c.id)
    .inspect()
    .catch((err: { statusCode?: number }) => {
      if (err?.statusCode === 404) return undefined;
      throw err;
    });
  if (!info) return c;
  const started = Date.parse(info.State.StartedAt);
  return {
    ...c,
    ...(Number.isFinite(started) ? { startedAt: started } : {}),
    ...(info.State.Health?.Status ? { health: info.State.Health.Status } : {}),
  };
}

/**
 * What one host runs, read live within `timeoutMs`. An unreachable or slow host is a value
 * (`reachable: false` with the reason), so one bad host never fails a whole fleet read.
 */
export async function snapshotHost(
  host: string,
  connect: () => Docker,
  opts: SnapshotOptions,
): Promise<HostSnapshot> {
  try {
    return await withDeadline(host, opts.timeoutMs, async () => {
      const docker = connect();
      const [version, all] = await Promise.all([docker.version(), docker.listContainers({ all: true })]);
      let managed = all
        .filter((c) => c.Labels?.[LABEL.managed] === "true")
        .map(view)
        .filter((c) => opts.project === undefined || c.project === opts.project);
      if (opts.inspect) managed = await Promise.all(managed.map((c) => inspected(docker, c)));
      const proxy = opts.proxyName ? all.find((c) => c.Names.includes(`/${opts.proxyName}`)) : undefined;
      return {
        host,
        reachable: true as const,
        dockerVersion: version.Version,
        running: all.filter((c) => c.State === "running").length,
        total: all.length,
        managed,
        ...(proxy ? { proxy: { state: proxy.State, image: proxy.Image } } : {}),
      };
    });
  } catch (err) {
    return unreachable(host, err);
  }
}

/** Reads the named hosts in parallel; each one answers, or is marked unreachable, within the timeout. */
export type FleetReader = (hosts: readonly string[], opts: SnapshotOptions) => Promise<HostSnapshot[]>;
