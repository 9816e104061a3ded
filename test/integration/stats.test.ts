import type { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import { readDiskUsage } from "../../src/docker/disk-usage.js";
import { CHART_SIZE } from "../../src/stats/chart-svg.js";
import { SampleStore, samplingOf } from "../../src/stats/sample-store.js";
import { Sampler } from "../../src/stats/sampler.js";
import { type RawStats, usageOf } from "../../src/stats/usage.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { ask, deployed, storeOf } from "../support/ops-read.js";
import { colourCounts, decodePng } from "../support/png.js";

const busy = uniqueName("st");
let h: Harness;
let store: DeployStore;
let redis: Redis;

beforeAll(async () => {
  h = await startHarness(
    {
      // Capped, so the busy loop the test runs in it gives a steady CPU use (about 20% of one CPU).
      [busy]: { image: "web", tag: "v1", verify: "1s", cpus: 0.2, memory: "64m" },
    },
    {
      // Inside the fleet's address range, at a port nothing listens on.
      hosts: { serverZ: { docker: "tcp://10.250.0.2:2399", timeout: "10s" } },
    },
  );
  ({ store, redis } = storeOf(h));
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
});

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };
const bytes = (text: string) => {
  const m = /^([\d.]+)(B|KiB|MiB|GiB|TiB)$/.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * (UNITS[m[2] as string] ?? 0);
};

describe("/stats on the real fleet", () => {
  it("shows the numbers Docker's own one-shot stats give for the same container, within tolerance", async () => {
    const record = await deployed(h, store, { project: busy, env: "beta" }, `${busy}:v1 beta serverA`);
    expect(record.hosts.serverA?.state).toBe("succeeded");
    const [listed] = await managedContainers(h.docker.serverA, busy);
    const container = h.docker.serverA.getContainer(listed?.Id ?? "none");
    const loop = await container.exec({ Cmd: ["timeout", "30", "sh", "-c", "while :; do :; done"] });
    await loop.start({ Detach: true });
    await new Promise((r) => setTimeout(r, 1500));

    const [reply, direct] = await Promise.all([
      ask(h, "/stats", `${busy} beta`),
      container.stats({ stream: false }) as Promise<RawStats>,
    ]);
    const want = usageOf(direct);
    expect(reply.visibility).toBe("ephemeral");
    const row = reply.text.split("\n").find((l) => l.startsWith("serverA ") && l.includes(busy));
    expect(row, reply.text).toBeDefined();
    const [host, project, env, name, cpu, mem, restarts, net] = (row as string).split(/\s{2,}/);
    expect([host, project, env, name, restarts]).toEqual([
      "serverA",
      busy,
      "beta",
      listed?.Names[0]?.slice(1),
      "0",
    ]);

    const shownCpu = Number(cpu?.replace("%", ""));
    // Both read a one-second window of a loop capped at 0.2 CPUs, on a busy shared machine.
    expect(Math.abs(shownCpu - want.cpuPercent)).toBeLessThan(12);
    expect(shownCpu).toBeGreaterThan(2);
    const [used, limit] = (mem as string).split(" / ").map(bytes);
    expect(limit).toBe(64 * 1024 ** 2);
    expect(want.memLimit).toBe(64 * 1024 ** 2);
    expect(Math.abs((used as number) - want.memUsed)).toBeLessThan(
      Math.max(want.memUsed * 0.3, 4 * 1024 ** 2),
    );
    const [rx] = (net as string).split(" / ").map(bytes);
    expect(Math.abs((rx as number) - want.rxBytes)).toBeLessThan(64 * 1024);

    // The host rows: serverA and serverB (beta's hosts), with Docker's disk usage.
    const df = (await readDiskUsage(h.docker.serverA)) as { LayersSize: number };
    const hostRow = reply.text.split("\n").find((l) => l.startsWith("serverA ") && l.includes(" of "));
    expect(hostRow, reply.text).toBeDefined();
    const images = bytes((hostRow as string).split(/\s{2,}/)[4]?.split(" / ")[0] ?? "");
    expect(Math.abs(images - df.LayersSize)).toBeLessThan(df.LayersSize * 0.2 + 1024 ** 2);
    expect(reply.text).toMatch(/^serverB\s+0\.0% of \d+%/m);
  }, 90_000);

  it("shows a host that cannot be read as unreachable, and a bad project as a usage message", async () => {
    const all = await ask(h, "/stats", busy);
    expect(all.text).toMatch(/:warning: Unreachable: serverZ: /);
    expect(all.text).toMatch(/^serverA\s+[\d.]+% of \d+%/m);
    const bad = await ask(h, "/stats", "nosuch-project");
    expect(bad.text).toMatch(/nosuch-project[\s\S]*Usage: `\/stats/);
  });

  it("--chart uploads a PNG of the monitor's samples per host, and answers with sparklines", async () => {
    // What a monitor does every period, for the last few periods.
    const store = new SampleStore(redis, h.prefix, samplingOf(h.fleet));
    const sampler = new Sampler({
      store,
      hosts: ["serverA"],
      projects: [busy],
      connect: () => h.docker.serverA,
      everyMs: 30_000,
      timeoutMs: 10_000,
      log: pino({ level: "silent" }),
    });
    const now = Math.floor(Date.now() / 30_000) * 30_000;
    for (const t of [now - 90_000, now - 60_000, now - 30_000])
      expect(await sampler.sample("serverA", t)).toBe(true);

    const before = h.slack.uploads.length;
    const reply = await ask(h, "/stats", `${busy} beta --chart 1h`);
    expect(reply.text).toContain(`Chart of *${busy}* in *beta* over 1h uploaded to this channel.`);
    expect(reply.text).toMatch(/serverA\s+cpu [▁▂▃▄▅▆▇█]{3}\s+max [\d.]+%/);
    expect(reply.text).toContain("1 deploy in the window.");
    const upload = await h.slack.waitFor(() => h.slack.uploads[before], 10_000, "the chart upload");
    const img = decodePng(upload.bytes);
    expect([img.width, img.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
    const counts = colourCounts(img);
    expect(counts.size).toBeGreaterThan(20);
    expect(counts.get("#0072B2") ?? 0).toBeGreaterThan(50); // serverA's line
    expect(counts.get("#C0392B") ?? 0).toBeGreaterThan(50); // the deploy marker

    const none = await ask(h, "/stats", `${busy} prod --chart`);
    expect(none.text).toContain(`No samples of *${busy}* in *prod* in the last 1h`);
  }, 90_000);
});
