import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import type { StatsPlan } from "../../commands/stats.js";
import { parseFleet } from "../../src/fleet/load.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import type { HostStats } from "../../src/jobs/read-schemas.js";
import { samplesOf } from "../../src/stats/aggregate.js";
import { formatBytes, renderStats } from "../../src/stats/render-stats.js";
import { samplingOf } from "../../src/stats/sample-store.js";
import { cpuPercent, diskUsageOf, memoryUsed, usageOf } from "../../src/stats/usage.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const plan = (text: string) => planCommand("stats", text, ctx);
const asked = { requestedBy: "U1", channel: "C0BETA" };

describe("/stats plans", () => {
  it("reads every host with no words, the env's hosts with an env, one word as project or env", () => {
    expect(plan("")).toEqual({
      ok: true,
      plan: { kind: "stats", hosts: ["serverA", "serverB", "serverC"], ...asked },
    });
    expect(plan("a1 prod")).toEqual({
      ok: true,
      plan: { kind: "stats", project: "a1", env: "prod", hosts: ["serverB", "serverC"], ...asked },
    });
    expect(plan("beta")).toEqual({
      ok: true,
      plan: { kind: "stats", env: "beta", hosts: ["serverA", "serverB"], ...asked },
    });
    expect(plan("a1")).toEqual({
      ok: true,
      plan: { kind: "stats", project: "a1", hosts: ["serverA", "serverB", "serverC"], ...asked },
    });
  });

  it("answers bad input with a usage message", () => {
    const usageLine = "Usage: `/stats [<project>] [<env>] [--chart [1h|6h|24h|7d]]`";
    expect(plan("a1 prod extra")).toEqual({ ok: false, message: `too many words: \`extra\`\n${usageLine}` });
    expect(plan("--json")).toEqual({ ok: false, message: `unknown option \`--json\`\n${usageLine}` });
    const unknown = plan("nosuch");
    expect(unknown.ok).toBe(false);
    expect(unknown.ok ? "" : unknown.message).toMatch(/nosuch[\s\S]*Usage: `\/stats/);
  });
});

/** A stats answer as Docker gives it (cgroup v2), with two CPU readings a second apart. */
const raw = {
  cpu_stats: { cpu_usage: { total_usage: 2_500_000_000 }, system_cpu_usage: 120_000_000_000, online_cpus: 4 },
  precpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 116_000_000_000 },
  memory_stats: { usage: 60_000_000, limit: 2_000_000_000, stats: { inactive_file: 10_000_000 } },
  networks: { eth0: { rx_bytes: 1000, tx_bytes: 200 }, eth1: { rx_bytes: 24, tx_bytes: 3 } },
};

describe("usage from a Docker stats answer", () => {
  it("computes CPU % like `docker stats`: CPU delta over system delta times online CPUs", () => {
    // 0.5 s of CPU over 4 s of system time on 4 CPUs: 50% of one CPU.
    expect(cpuPercent(raw)).toBe(50);
    expect(usageOf(raw)).toEqual({
      cpuPercent: 50,
      memUsed: 50_000_000,
      memLimit: 2_000_000_000,
      rxBytes: 1024,
      txBytes: 203,
    });
  });

  it("shows no CPU rate without a previous reading, and v1's total_inactive_file as cache", () => {
    expect(cpuPercent({ ...raw, precpu_stats: {} })).toBe(0);
    expect(memoryUsed({ memory_stats: { usage: 100, stats: { total_inactive_file: 30 } } })).toBe(70);
    expect(usageOf({})).toEqual({ cpuPercent: 0, memUsed: 0, memLimit: 0, rxBytes: 0, txBytes: 0 });
  });

  it("sums /system/df per kind, leaving out sizes Docker did not compute (-1)", () => {
    const df = {
      LayersSize: 5000,
      Containers: [{ SizeRw: 10 }, { SizeRw: 5 }, {}],
      Volumes: [{ UsageData: { Size: 100 } }, { UsageData: { Size: -1 } }, { UsageData: null }],
      BuildCache: null,
    };
    expect(diskUsageOf(df)).toEqual({ images: 5000, containers: 15, volumes: 100, buildCache: 0 });
  });
});

describe("/stats reply", () => {
  const statsPlan: StatsPlan = { kind: "stats", project: "a1", hosts: ["serverA", "serverB"], ...asked };
  const hosts: HostStats[] = [
    {
      host: "serverA",
      reachable: true,
      cpus: 2,
      memTotal: 4 * 1024 ** 3,
      disk: { images: 1024 ** 3, containers: 1024 ** 2, volumes: 0, buildCache: 0 },
      containers: [
        {
          name: "a1-beta",
          project: "a1",
          env: "beta",
          state: "running",
          restarts: 2,
          cpuPercent: 12.345,
          memUsed: 50 * 1024 ** 2,
          memLimit: 4 * 1024 ** 3,
          rxBytes: 2048,
          txBytes: 512,
        },
      ],
    },
    { host: "serverB", reachable: false, reason: "no answer within 5s" },
  ];

  it("shows a row per container, a row per host and the unreachable ones", () => {
    expect(renderStats(statsPlan, hosts).split("\n")).toEqual([
      "*Resources* of a1, read live from serverA, serverB",
      "```",
      "HOST     PROJECT  ENV   CONTAINER  CPU    MEM USED / LIMIT  RESTARTS  NET RX / TX",
      "serverA  a1       beta  a1-beta    12.3%  50.0MiB / 4.0GiB  2         2.0KiB / 512B",
      "```",
      "```",
      "HOST     CPU (SHOWN CONTAINERS)  MEMORY (SHOWN)           DOCKER DISK  IMAGES / CONTAINERS / VOLUMES / CACHE",
      "serverA  12.3% of 200%           50.0MiB / 4.0GiB (1.2%)  1.0GiB       1.0GiB / 1.0MiB / 0B / 0B",
      "```",
      ":warning: Unreachable: serverB: no answer within 5s",
    ]);
  });

  it("hides environments the access check left out", () => {
    const text = renderStats({ ...statsPlan, envs: ["prod"] }, hosts);
    expect(text).not.toContain("a1-beta");
    expect(text).toContain("No running container of a1 on serverA.");
  });

  it("writes sizes like docker stats", () => {
    expect([0, 512, 2048, 150 * 1024 ** 2, 3.25 * 1024 ** 3].map(formatBytes)).toEqual([
      "0B",
      "512B",
      "2.0KiB",
      "150MiB",
      "3.3GiB",
    ]);
  });
});

describe("a host's stats as samples", () => {
  it("sums each project+env over its replicas, and the host over every container", () => {
    const c = (name: string, env: string, cpu: number, mem: number) => ({
      name,
      project: "a1",
      env,
      state: "running",
      restarts: 1,
      cpuPercent: cpu,
      memUsed: mem,
      memLimit: 1000,
      rxBytes: 5,
      txBytes: 7,
    });
    const stats = {
      host: "serverA",
      reachable: true as const,
      cpus: 2,
      memTotal: 8000,
      disk: { images: 100, containers: 10, volumes: 1, buildCache: 0 },
      containers: [
        c("a1-beta-1", "beta", 10, 100),
        c("a1-beta-2", "beta", 5, 50),
        c("a1-prod", "prod", 1, 10),
      ],
    };
    expect(samplesOf(stats, 60_000)).toEqual({
      host: { t: 60_000, cpu: 16, mem: 160, memTotal: 8000, cpus: 2, disk: 111 },
      series: {
        "a1:beta": { t: 60_000, cpu: 15, mem: 150, limit: 2000, restarts: 2, rx: 10, tx: 14, replicas: 2 },
        "a1:prod": { t: 60_000, cpu: 1, mem: 10, limit: 1000, restarts: 1, rx: 5, tx: 7, replicas: 1 },
      },
    });
  });

  it("reads alerts.sampling from the fleet file, with defaults without it", () => {
    expect(samplingOf(fleet)).toEqual({
      everyMs: 30_000,
      fullMs: 86_400_000,
      bucketMs: 300_000,
      downsampledMs: 604_800_000,
    });
    const sampled = fleetSchema.shape.alerts.parse({ sampling: { every: "10s", full: "12h" } });
    expect(sampled?.sampling).toEqual({
      every: 10_000,
      full: 43_200_000,
      bucket: 300_000,
      downsampled: 604_800_000,
    });
    expect(fleetSchema.shape.alerts.safeParse({ sampling: { every: "1s" } }).success).toBe(false);
  });
});
