import type Docker from "dockerode";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL } from "../../src/docker/labels.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { type ContainerSample, SampleStore } from "../../src/stats/sample-store.js";
import { Sampler } from "../../src/stats/sampler.js";
import { dockerFor, removeProject } from "../support/docker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const fe = readFleetEnv();
const project = uniqueName("smp");
const prefix = uniqueName("smp");
const EVERY = 2_000;
const retention = { fullMs: 60_000, bucketMs: 10_000, downsampledMs: 300_000 };
let docker: Docker;
const redises: Redis[] = [];

/** A monitor's sampler: its own Redis connection, on the shared prefix. */
function sampler(): { sampler: Sampler; store: SampleStore } {
  const redis = new Redis(need(fe, "REDIS_URL"));
  redises.push(redis);
  const store = new SampleStore(redis, prefix, retention);
  const s = new Sampler({
    store,
    hosts: ["serverA"],
    projects: [project],
    connect: () => docker,
    everyMs: EVERY,
    timeoutMs: 10_000,
    log: pino({ level: "silent" }),
  });
  return { sampler: s, store };
}

beforeAll(async () => {
  const hosts = fleetSchema.shape.hosts.parse({ serverA: { docker: need(fe, "HOST_A_DOCKER") } });
  docker = dockerFor("serverA", hosts.serverA as NonNullable<typeof hosts.serverA>);
  const container = await docker.createContainer({
    Image: `${need(fe, "REGISTRY_URL")}/web:v1`,
    name: `${project}-beta`,
    Labels: { [LABEL.managed]: "true", [LABEL.project]: project, [LABEL.env]: "beta" },
    HostConfig: { Memory: 64 * 1024 ** 2 },
  });
  await container.start();
});
afterAll(async () => {
  await removeProject(docker, project);
  const redis = redises[0];
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await Promise.all(redises.map((r) => r.quit()));
});

describe("resource sampling shared by two monitors", () => {
  it("writes one sample per period however many monitors sample it", async () => {
    const a = sampler();
    const b = sampler();
    const base = Math.floor(Date.now() / EVERY) * EVERY - 10 * EVERY;
    const periods = [base, base + EVERY, base + 2 * EVERY];
    const won: boolean[][] = [];
    for (const t of periods)
      won.push(await Promise.all([a.sampler.sample("serverA", t), b.sampler.sample("serverA", t)]));
    // Exactly one of the two wrote each period.
    expect(won.map((w) => w.filter(Boolean).length)).toEqual([1, 1, 1]);
    const series = await a.store.containerSeries("serverA", project, "beta", base - 1);
    expect(series.map((s) => s.t)).toEqual(periods);
    expect(series.every((s) => s.replicas === 1 && s.limit === 64 * 1024 ** 2 && s.mem > 0)).toBe(true);
    const hosts = await a.store.hostSeries("serverA", base - 1);
    expect(hosts.map((s) => s.t)).toEqual(periods);
    expect(hosts[0]?.disk).toBeGreaterThan(0);
  }, 60_000);

  it("on their own timers, two monitors still leave one sample per period", async () => {
    const project2 = project; // the same container, a fresh pair of monitors
    const a = sampler();
    const b = sampler();
    const from = Date.now();
    a.sampler.start();
    b.sampler.start();
    await new Promise((r) => setTimeout(r, 4 * EVERY + 500));
    a.sampler.stop();
    b.sampler.stop();
    await new Promise((r) => setTimeout(r, 3_000)); // the last reads finish writing
    const times = (await a.store.containerSeries("serverA", project2, "beta", from)).map((s) => s.t);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(new Set(times).size).toBe(times.length);
    expect(times.every((t) => t % EVERY === 0)).toBe(true);
  }, 60_000);
});

describe("retention", () => {
  const sample = (t: number, cpu: number, mem: number): ContainerSample => ({
    t,
    cpu,
    mem,
    limit: 1_000,
    restarts: 0,
    rx: 10,
    tx: 20,
    replicas: 1,
  });
  const host = { t: 0, cpu: 0, mem: 0, memTotal: 1, cpus: 1, disk: 1 };

  it("drops full-resolution samples past `full`, keeps bucket averages for `downsampled`", async () => {
    const { store } = sampler();
    const h = uniqueName("h");
    const bucket = 1_000_000_000_000; // a bucket start (multiple of 10 s)
    await store.write(h, bucket, { ...host, t: bucket }, { "p:e": sample(bucket, 10, 100) });
    await store.write(
      h,
      bucket + 2_000,
      { ...host, t: bucket + 2_000 },
      { "p:e": sample(bucket + 2_000, 30, 300) },
    );
    await store.downsample(h, bucket);
    // A sample past the full retention trims both older ones from the full-resolution set.
    const later = bucket + retention.fullMs + 5_000;
    await store.write(h, later, { ...host, t: later }, { "p:e": sample(later, 50, 500) });
    const series = await store.containerSeries(h, "p", "e", bucket - 1, later);
    expect(series).toEqual([{ ...sample(bucket, 20, 200) }, { ...sample(later, 50, 500) }]);
    // Past `downsampled`, the averages go too.
    await store.downsample(h, bucket + retention.downsampledMs + 10_000);
    expect(await store.containerSeries(h, "p", "e", bucket - 1, bucket + 1)).toEqual([]);
  });

  it("costs a bounded number of bytes per sample (MEMORY USAGE)", async () => {
    // A day at 30 s is 2880 samples: past Redis' compact listpack encoding, as in production.
    const n = 2880;
    const redis = new Redis(need(fe, "REDIS_URL"));
    redises.push(redis);
    const store = new SampleStore(redis, prefix, { ...retention, fullMs: 24 * 3_600_000 });
    const h = uniqueName("h");
    const start = Math.floor(Date.now() / EVERY) * EVERY - n * EVERY;
    for (let i = 0; i < n; i++) {
      const t = start + i * EVERY;
      const s = {
        t,
        cpu: 12.34,
        mem: 52_428_800 + i * 4096,
        limit: 2_147_483_648,
        restarts: 1,
        rx: 1_048_576 + i * 997,
        tx: 524_288 + i * 331,
        replicas: 1,
      };
      await store.write(h, t, { ...host, t }, { "p:e": s });
    }
    const { bytes, samples } = await store.memoryUsage(h, "p", "e");
    expect(samples).toBe(n);
    const perSample = bytes / samples;
    console.log(
      `redis memory per container sample: ${perSample.toFixed(1)} bytes (${bytes} for a day of ${samples})`,
    );
    expect(perSample).toBeGreaterThan(10);
    expect(perSample).toBeLessThan(250);
  });
});
