/**
 * What resource monitoring costs, on the test fleet (`BENCH_ONLY=stats npm run bench`):
 *
 *  render   median time of `STATS_RENDERS` renders (SVG, then PNG with resvg) of a 24 h chart
 *           of two hosts at 30 s samples (2 × 2880 points), the first (which loads resvg) apart.
 *  redis    MEMORY USAGE of a day of 30 s samples (2880) for `STATS_SERIES` containers, written
 *           by the sample store under a private prefix on the test Redis, then deleted.
 *  sampling CPU time of this process (process.cpuUsage, user + system) for one sampling pass of
 *           the real sampler over `STATS_CONTAINERS` small containers on serverA, median of
 *           `STATS_PASSES` passes, scaled to 100 containers. The Docker daemon's own CPU is not in it.
 */
import type Docker from "dockerode";
import { Redis } from "ioredis";
import pino from "pino";
import { LABEL } from "../../src/docker/labels.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { chartSvg } from "../../src/stats/chart-svg.js";
import { svgToPng } from "../../src/stats/render-png.js";
import { type ContainerSample, SampleStore } from "../../src/stats/sample-store.js";
import { Sampler } from "../../src/stats/sampler.js";
import { dockerFor, removeProject } from "../support/docker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

export type StatsBenchOptions = { renders: number; series: number; containers: number; passes: number };

const DEFAULTS: StatsBenchOptions = {
  renders: Number(process.env.STATS_RENDERS ?? 20),
  series: Number(process.env.STATS_SERIES ?? 10),
  containers: Number(process.env.STATS_CONTAINERS ?? 20),
  passes: Number(process.env.STATS_PASSES ?? 5),
};

const EVERY = 30_000;
const DAY = 24 * 3_600_000;
const PER_DAY = DAY / EVERY;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** A container's usage wandering the way a real service's does: not constant, not noise. */
function sampleAt(i: number, seed: number): ContainerSample {
  const wave = Math.sin((i + seed * 97) / 120);
  return {
    t: 0,
    cpu: Math.round((20 + 15 * wave + ((i * 7 + seed) % 13)) * 100) / 100,
    mem: Math.round(180_000_000 + 40_000_000 * wave + ((i * 4099) % 1_000_000)),
    limit: 536_870_912,
    restarts: seed % 3,
    rx: 1_048_576 + i * (997 + seed),
    tx: 524_288 + i * (331 + seed),
    replicas: 1,
  };
}

async function renderBench(renders: number) {
  const to = Date.now();
  const from = to - DAY;
  const hosts = ["serverA", "serverB"].map((host, seed) => ({
    host,
    points: Array.from({ length: PER_DAY }, (_, i) => {
      const s = sampleAt(i, seed);
      return { t: from + i * EVERY, cpu: s.cpu, mem: s.mem };
    }),
  }));
  const input = {
    title: "bench in prod, last 24h",
    from,
    to,
    hosts,
    deploys: [from + DAY / 3, from + DAY / 2],
  };
  const once = async () => {
    const t0 = performance.now();
    const png = await svgToPng(chartSvg(input));
    return { ms: performance.now() - t0, bytes: png.length };
  };
  const first = await once();
  const times: number[] = [];
  for (let i = 0; i < renders; i++) times.push((await once()).ms);
  return {
    points: hosts.length * PER_DAY,
    firstMs: Math.round(first.ms),
    medianMs: Math.round(median(times)),
    pngBytes: first.bytes,
  };
}

async function redisBench(redisUrl: string, series: number) {
  const redis = new Redis(redisUrl);
  const prefix = uniqueName("sbench");
  const store = new SampleStore(redis, prefix, { fullMs: DAY, bucketMs: 300_000, downsampledMs: 7 * DAY });
  const start = Math.floor(Date.now() / EVERY) * EVERY - PER_DAY * EVERY;
  try {
    for (let i = 0; i < PER_DAY; i++) {
      const t = start + i * EVERY;
      const all = Object.fromEntries(
        Array.from({ length: series }, (_, s) => [`p${s}:prod`, { ...sampleAt(i, s), t }]),
      );
      const host = {
        t,
        cpu: 250.5,
        mem: 1_900_000_000 + i,
        memTotal: 8_000_000_000,
        cpus: 2,
        disk: 12_000_000_000,
      };
      await store.write("serverA", t, host, all);
    }
    const used = await Promise.all(
      Array.from({ length: series }, (_, s) => store.memoryUsage("serverA", `p${s}`, "prod")),
    );
    const hostBytes = Number((await redis.memory("USAGE", `${prefix}:stats:h:serverA`, "SAMPLES", "0")) ?? 0);
    const bytes = used.reduce((sum, u) => sum + u.bytes, 0);
    const samples = used.reduce((sum, u) => sum + u.samples, 0);
    if (samples !== series * PER_DAY)
      throw new Error(`wrote ${series * PER_DAY} samples, Redis holds ${samples}`);
    return {
      series,
      samplesPerDay: PER_DAY,
      bytesPerContainerDay: Math.round(bytes / series),
      bytesPerSample: Math.round((bytes / samples) * 10) / 10,
      hostBytesPerDay: hostBytes,
    };
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

async function samplingBench(fe: Record<string, string>, containers: number, passes: number) {
  const hosts = fleetSchema.shape.hosts.parse({ serverA: { docker: need(fe, "HOST_A_DOCKER") } });
  const docker: Docker = dockerFor("serverA", hosts.serverA as NonNullable<typeof hosts.serverA>);
  const project = uniqueName("sbench");
  const redis = new Redis(need(fe, "REDIS_URL"));
  const prefix = uniqueName("sbench");
  const store = new SampleStore(redis, prefix, { fullMs: DAY, bucketMs: 300_000, downsampledMs: 7 * DAY });
  try {
    // One project+env per container, as a host of many small services has.
    for (let i = 0; i < containers; i++) {
      const c = await docker.createContainer({
        Image: `${need(fe, "REGISTRY_URL")}/web:v1`,
        name: `${project}-${i}`,
        Labels: { [LABEL.managed]: "true", [LABEL.project]: project, [LABEL.env]: `e${i}` },
        HostConfig: { Memory: 32 * 1024 ** 2 },
      });
      await c.start();
    }
    const sampler = new Sampler({
      store,
      hosts: ["serverA"],
      projects: [project],
      connect: () => docker,
      everyMs: EVERY,
      timeoutMs: 60_000,
      log: pino({ level: "silent" }),
    });
    const cpu: number[] = [];
    const wall: number[] = [];
    const start = Math.floor(Date.now() / EVERY) * EVERY - passes * EVERY;
    for (let i = 0; i < passes; i++) {
      const before = process.cpuUsage();
      const t0 = performance.now();
      if (!(await sampler.sample("serverA", start + i * EVERY))) throw new Error("a sampling pass failed");
      wall.push(performance.now() - t0);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
    const written = await store.latest("serverA", 0);
    const seen = Object.keys(written.series).length;
    if (seen !== containers) throw new Error(`sampled ${seen} of ${containers} containers`);
    const perPass = median(cpu);
    return {
      containers,
      passes,
      cpuMsPerPass: Math.round(perPass),
      cpuMsPer100Containers: Math.round((perPass / containers) * 100),
      wallMsPerPass: Math.round(median(wall)),
    };
  } finally {
    await removeProject(docker, project);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

export async function statsBench(opts: Partial<StatsBenchOptions> = {}): Promise<Record<string, unknown>> {
  const o = { ...DEFAULTS, ...opts };
  const fe = readFleetEnv();
  const render = await renderBench(o.renders);
  const redis = await redisBench(need(fe, "REDIS_URL"), o.series);
  const sampling = await samplingBench(fe, o.containers, o.passes);
  const figures = { render, redis, sampling };
  process.stdout.write(
    `${[
      `chart render, 24h of ${render.points} points: median ${render.medianMs} ms of ${o.renders} (first, loading resvg: ${render.firstMs} ms), ${render.pngBytes} bytes`,
      `redis per container-day: ${redis.bytesPerContainerDay} bytes (${redis.bytesPerSample} per sample, ${redis.series} series × ${redis.samplesPerDay}); host series ${redis.hostBytesPerDay} bytes/day`,
      `sampling: ${sampling.cpuMsPerPass} ms CPU per pass over ${sampling.containers} containers = ${sampling.cpuMsPer100Containers} ms per 100 (wall ${sampling.wallMsPerPass} ms)`,
    ].join("\n")}\n`,
  );
  return { stats: figures };
}
