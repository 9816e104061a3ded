import type { HostStats } from "../jobs/read-schemas.js";
import type { ContainerSample, HostSample } from "./sample-store.js";

/** A read host's stats as one period's samples: its totals, and each project+env summed over replicas. */
export function samplesOf(
  stats: Extract<HostStats, { reachable: true }>,
  t: number,
): { host: HostSample; series: Record<string, ContainerSample> } {
  const series: Record<string, ContainerSample> = {};
  for (const c of stats.containers) {
    const name = `${c.project}:${c.env}`;
    const s = series[name] ?? { t, cpu: 0, mem: 0, limit: 0, restarts: 0, rx: 0, tx: 0, replicas: 0 };
    series[name] = {
      t,
      cpu: s.cpu + c.cpuPercent,
      mem: s.mem + c.memUsed,
      limit: s.limit + c.memLimit,
      restarts: s.restarts + c.restarts,
      rx: s.rx + c.rxBytes,
      tx: s.tx + c.txBytes,
      replicas: s.replicas + 1,
    };
  }
  const { images, containers, volumes, buildCache } = stats.disk;
  const host: HostSample = {
    t,
    cpu: stats.containers.reduce((sum, c) => sum + c.cpuPercent, 0),
    mem: stats.containers.reduce((sum, c) => sum + c.memUsed, 0),
    memTotal: stats.memTotal,
    cpus: stats.cpus,
    disk: images + containers + volumes + buildCache,
  };
  return { host, series };
}
