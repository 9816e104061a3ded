import { formatDuration } from "../fleet/duration.js";
import type { Threshold } from "../fleet/resource-thresholds.js";
import { sparkline } from "../stats/chart-svg.js";
import { formatBytes } from "../stats/render-stats.js";
import type { ContainerSample, HostSample } from "../stats/sample-store.js";
import type { AlertItem } from "./alert-store.js";

export type ResourceAlert = Omit<AlertItem, "resolvedAt">;

/** One project+env's recent samples on the host, with the thresholds in effect for it. */
export type SeriesCheck = {
  project: string;
  env: string;
  /** Ascending by time; the last one is this period's when the project still runs there. */
  samples: readonly ContainerSample[];
  thresholds: { memory?: Threshold; cpu?: Threshold };
  /** The project's `cpus` limit per container; without one, the host's CPUs. */
  cpus?: number;
};

export type ResourceCheckInput = {
  host: string;
  /** The period just sampled. */
  t: number;
  everyMs: number;
  /** Ascending by time, this period's last. */
  hostSamples: readonly HostSample[];
  series: readonly SeriesCheck[];
  /** Bytes of Docker's disk use that alert. */
  disk?: number;
};

/** Conditions to raise (already-open ones are dropped by the alert store), and keys to resolve. */
export type ResourceVerdict = { raise: ResourceAlert[]; clear: string[] };

/** How far back the alert's trend line looks. */
export const TREND_MS = 10 * 60_000;

export const resourceKey = (kind: "memory" | "cpu", host: string, project: string, env: string) =>
  `resource:${kind}:${host}:${project}:${env}`;
export const diskKey = (host: string) => `resource:disk:${host}`;

/** "5m" rather than "5m00s" for whole minutes. */
const span = (ms: number) => formatDuration(ms).replace(/m00s$/, "m");

const pct = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)}%`;

/**
 * How long the condition has held up to the newest sample: the span of the unbroken run of
 * samples over the threshold that ends with it (more than one missing period breaks the run), or undefined
 * when the newest is not over it.
 */
function heldFor(
  samples: readonly { t: number }[],
  value: (i: number) => number | undefined,
  percent: number,
  everyMs: number,
): number | undefined {
  const over = (i: number) => (value(i) ?? -1) > percent;
  const last = samples.length - 1;
  if (last < 0 || !over(last)) return undefined;
  let start = last;
  while (
    start > 0 &&
    over(start - 1) &&
    (samples[start]?.t ?? 0) - (samples[start - 1]?.t ?? 0) <= 2 * everyMs
  )
    start--;
  return (samples[last]?.t ?? 0) - (samples[start]?.t ?? 0);
}

function trend(label: string, values: readonly number[], show: (n: number) => string, tail = ""): string {
  const first = values[0] ?? 0;
  const last = values[values.length - 1] ?? 0;
  return `${label}, last ${span(TREND_MS)}: ${sparkline(values, 20)} ${show(first)} → ${show(last)}${tail}`;
}

function checkSeries(input: ResourceCheckInput, s: SeriesCheck, verdict: ResourceVerdict): void {
  const { host, t, everyMs } = input;
  const latest = s.samples[s.samples.length - 1];
  const memoryKey = resourceKey("memory", host, s.project, s.env);
  const cpuKey = resourceKey("cpu", host, s.project, s.env);
  // No sample this period: the project no longer runs here, so nothing of it is over anything.
  if (!latest || latest.t !== t) {
    verdict.clear.push(memoryKey, cpuKey);
    return;
  }
  const recent = s.samples.filter((x) => x.t > t - TREND_MS);
  const replicas = latest.replicas > 1 ? ` (its ${latest.replicas} containers together)` : "";
  const base = { host, project: s.project, env: s.env, eventAt: t };

  const memPct = (i: number) => {
    const x = s.samples[i];
    return x && x.limit > 0 ? (x.mem / x.limit) * 100 : undefined;
  };
  if (s.thresholds.memory) {
    const { percent, forMs } = s.thresholds.memory;
    const held = heldFor(s.samples, memPct, percent, everyMs);
    if (held === undefined) verdict.clear.push(memoryKey);
    else if (held >= forMs)
      verdict.raise.push({
        ...base,
        key: memoryKey,
        kind: "memory",
        detail: `memory ${formatBytes(latest.mem)} of ${formatBytes(latest.limit)} (${pct(memPct(s.samples.length - 1) ?? 0)})${replicas}, over the ${thresholdText(s.thresholds.memory)} threshold`,
        trend: trend(
          "Memory",
          recent.map((x) => x.mem),
          formatBytes,
          ` of ${formatBytes(latest.limit)}`,
        ),
      });
  }

  const hostCpus = (at: number) =>
    input.hostSamples.find((h) => h.t === at)?.cpus ?? input.hostSamples[input.hostSamples.length - 1]?.cpus;
  const cores = (x: ContainerSample) => (s.cpus ?? hostCpus(x.t) ?? 0) * x.replicas;
  const cpuPct = (x: ContainerSample | undefined) => (x && cores(x) > 0 ? x.cpu / cores(x) : undefined);
  if (s.thresholds.cpu) {
    const { percent, forMs } = s.thresholds.cpu;
    const held = heldFor(s.samples, (i) => cpuPct(s.samples[i]), percent, everyMs);
    if (held === undefined) verdict.clear.push(cpuKey);
    else if (held >= forMs) {
      const of = s.cpus !== undefined ? `its limit of ${s.cpus} CPU` : `the host's ${hostCpus(t)} CPU`;
      verdict.raise.push({
        ...base,
        key: cpuKey,
        kind: "cpu",
        detail: `CPU ${pct(cpuPct(latest) ?? 0)} of ${of}${replicas}${held > 0 ? ` for ${formatDuration(held)}` : ""}, over the ${thresholdText(s.thresholds.cpu)} threshold`,
        trend: trend(
          "CPU",
          recent.map((x) => cpuPct(x) ?? 0),
          pct,
        ),
      });
    }
  }
}

export function thresholdText({ percent, forMs }: Threshold): string {
  return forMs > 0 ? `${percent}% for ${span(forMs)}` : `${percent}%`;
}

/**
 * Compares one host's newest samples with the thresholds. Pure: the monitor that wrote the
 * sample calls it and hands the verdict to the alerter, which claims each condition in Redis.
 */
export function checkResources(input: ResourceCheckInput): ResourceVerdict {
  const verdict: ResourceVerdict = { raise: [], clear: [] };
  for (const s of input.series) checkSeries(input, s, verdict);
  const latest = input.hostSamples[input.hostSamples.length - 1];
  if (input.disk !== undefined && latest?.t === input.t) {
    if (latest.disk > input.disk)
      verdict.raise.push({
        key: diskKey(input.host),
        kind: "disk",
        host: input.host,
        eventAt: input.t,
        detail: `Docker uses ${formatBytes(latest.disk)} of disk (images, containers, volumes, build cache), over the ${formatBytes(input.disk)} threshold; \`/prune\` removes unused images`,
      });
    else verdict.clear.push(diskKey(input.host));
  }
  return verdict;
}
