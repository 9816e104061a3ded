import { Gauge } from "prom-client";
import { metricsRegistry } from "../metrics.js";
import type { ContainerSample, HostSample, SampleStore } from "./sample-store.js";

/**
 * The monitor's newest resource samples as Prometheus gauges, read from Redis on each scrape:
 * any process serving /metrics (bot, worker or monitor) shows the same numbers, and two of them
 * scraped at once agree. A series whose newest sample is older than two periods is left out
 * (the project stopped there, or no monitor samples any more).
 */
type Latest = {
  hosts: Array<{ host: string; sample: HostSample }>;
  containers: Array<{ host: string; project: string; env: string; sample: ContainerSample }>;
};
type Source = () => Promise<Latest>;

let source: Source | undefined;
let pending: { at: number; read: Promise<Latest> } | undefined;

/** One read of Redis per scrape, shared by every gauge below. */
function latest(): Promise<Latest> {
  const empty: Latest = { hosts: [], containers: [] };
  if (!source) return Promise.resolve(empty);
  if (!pending || Date.now() - pending.at > 1_000) {
    pending = { at: Date.now(), read: source().catch(() => empty) };
  }
  return pending.read;
}

const CONTAINER_LABELS = ["project", "env", "host"] as const;

/** Registers a gauge of each fresh series; returns its name. */
function containerGauge(name: string, help: string, value: (s: ContainerSample) => number): string {
  new Gauge({
    name,
    help,
    labelNames: CONTAINER_LABELS,
    registers: [metricsRegistry],
    async collect() {
      const { containers } = await latest();
      this.reset();
      for (const c of containers) this.set({ project: c.project, env: c.env, host: c.host }, value(c.sample));
    },
  });
  return name;
}

function hostGauge(name: string, help: string, value: (s: HostSample) => number): string {
  new Gauge({
    name,
    help,
    labelNames: ["host"] as const,
    registers: [metricsRegistry],
    async collect() {
      const { hosts } = await latest();
      this.reset();
      for (const h of hosts) this.set({ host: h.host }, value(h.sample));
    },
  });
  return name;
}

/** Name, help and sample field of each container gauge. */
const CONTAINER_GAUGES: ReadonlyArray<readonly [string, string, keyof ContainerSample]> = [
  [
    "dockops_container_cpu_percent",
    "CPU of a project+env's containers on a host, percent of one CPU summed over replicas (as docker stats)",
    "cpu",
  ],
  [
    "dockops_container_memory_bytes",
    "Memory used without page cache, summed over the replicas on a host",
    "mem",
  ],
  [
    "dockops_container_memory_limit_bytes",
    "Memory limit, summed over the replicas on a host (the host's memory per container without one)",
    "limit",
  ],
  [
    "dockops_container_restarts",
    "Docker's restart count of the running containers, summed over replicas",
    "restarts",
  ],
  [
    "dockops_container_network_receive_bytes",
    "Bytes received since the containers started, summed over replicas",
    "rx",
  ],
  [
    "dockops_container_network_transmit_bytes",
    "Bytes sent since the containers started, summed over replicas",
    "tx",
  ],
  ["dockops_container_replicas", "Running containers of a project+env on a host", "replicas"],
];

const HOST_GAUGES: ReadonlyArray<readonly [string, string, keyof HostSample]> = [
  ["dockops_host_cpus", "CPUs of a Docker host", "cpus"],
  ["dockops_host_memory_total_bytes", "Memory of a Docker host", "memTotal"],
  [
    "dockops_host_docker_disk_bytes",
    "Docker's disk use on a host: images, containers, volumes, build cache",
    "disk",
  ],
];

/** Metric names the code exports from samples (the Grafana dashboard in docs/ queries these). */
export const SAMPLE_GAUGES = [
  ...CONTAINER_GAUGES.map(([name, help, field]) => containerGauge(name, help, (s) => s[field])),
  ...HOST_GAUGES.map(([name, help, field]) => hostGauge(name, help, (s) => s[field])),
];

/** Serves `hosts`' newest samples from `store` on /metrics in this process. */
export function trackResourceSamples(store: SampleStore, hosts: readonly string[], everyMs: number): void {
  pending = undefined;
  source = async () => {
    const since = Date.now() - 2 * everyMs;
    const read = await Promise.all(
      hosts.map(async (host) => {
        const { host: sample, series } = await store.latest(host, since);
        return { host, sample, series };
      }),
    );
    return {
      hosts: read.flatMap(({ host, sample }) => (sample ? [{ host, sample }] : [])),
      containers: read.flatMap(({ host, series }) =>
        Object.entries(series).map(([name, sample]) => {
          const [project = "", env = ""] = name.split(":");
          return { host, project, env, sample };
        }),
      ),
    };
  };
}
