/**
 * The numbers `docker stats` shows, computed from one stats answer of the Docker API the same
 * way the Docker CLI does (cli/command/container/stats_helpers.go), so the two agree.
 */

/** The parts of a Docker stats answer that are read; every field may be missing (a stopped container). */
export type RawStats = {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
};

export type Usage = {
  /** Percent of one CPU, like `docker stats` (200 = two CPUs busy). */
  cpuPercent: number;
  memUsed: number;
  memLimit: number;
  rxBytes: number;
  txBytes: number;
};

export function cpuPercent(s: RawStats): number {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  // Without a previous reading (the first one of a fresh container) there is no rate yet.
  if (cpuDelta <= 0 || systemDelta <= 0 || !pre?.system_cpu_usage) return 0;
  const cpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  return (cpuDelta / systemDelta) * cpus * 100;
}

/** Used memory without the page cache the kernel can drop (cgroup v2 `inactive_file`, v1 `total_inactive_file`). */
export function memoryUsed(s: RawStats): number {
  const usage = s.memory_stats?.usage ?? 0;
  const stats = s.memory_stats?.stats ?? {};
  const cache = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return cache < usage ? usage - cache : usage;
}

export function usageOf(s: RawStats): Usage {
  const nets = Object.values(s.networks ?? {});
  return {
    cpuPercent: Math.round(cpuPercent(s) * 100) / 100,
    memUsed: memoryUsed(s),
    memLimit: s.memory_stats?.limit ?? 0,
    rxBytes: nets.reduce((sum, n) => sum + (n.rx_bytes ?? 0), 0),
    txBytes: nets.reduce((sum, n) => sum + (n.tx_bytes ?? 0), 0),
  };
}

/** Docker's `/system/df`, summed per kind, in bytes. */
export type DiskUsage = { images: number; containers: number; volumes: number; buildCache: number };

type RawDf = {
  LayersSize?: number;
  Containers?: { SizeRw?: number }[] | null;
  Volumes?: { UsageData?: { Size?: number } | null }[] | null;
  BuildCache?: { Size?: number }[] | null;
};

export function diskUsageOf(df: RawDf): DiskUsage {
  const sum = (xs: (number | undefined)[]) => xs.reduce<number>((a, b) => a + Math.max(0, b ?? 0), 0);
  return {
    images: Math.max(0, df.LayersSize ?? 0),
    containers: sum((df.Containers ?? []).map((c) => c.SizeRw)),
    // Docker reports -1 for a volume whose size it did not compute.
    volumes: sum((df.Volumes ?? []).map((v) => v.UsageData?.Size)),
    buildCache: sum((df.BuildCache ?? []).map((b) => b.Size)),
  };
}
