import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHART_SIZE } from "../../src/stats/chart-svg.js";
import { SampleStore, samplingOf } from "../../src/stats/sample-store.js";
import { alertId, alertPosts, ref } from "../support/alerts.js";
import { execIn, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { deployed, storeOf } from "../support/ops-read.js";
import { colourCounts, decodePng } from "../support/png.js";

const project = uniqueName("mem");
const LIMIT = 100 * 1024 ** 2;
let h: Harness;
let redis: Redis;
let store: SampleStore;

beforeAll(async () => {
  h = await startHarness(
    {
      // Its own 50% wins over the fleet's 90%: 60 MiB of its 100 MiB limit is over it.
      [project]: {
        image: "web",
        tag: "v1",
        memory: "100m",
        verify: "1s",
        alerts: { resources: { memory: "50%" } },
      },
    },
    {
      roles: ["bot", "worker", "monitor"],
      monitor: { batchMs: 200 },
      alerts: { sampling: { every: "5s" }, resources: { memory: "90%", cpu: "95% for 5m" } },
    },
  );
  // A second monitor on the same Redis: the condition must still be posted once.
  await h.spawn(["monitor"]);
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
  store = new SampleStore(redis, h.prefix, samplingOf(h.fleet));
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

/** The files uploaded with the title the last hour's chart of this project in beta carries. */
function chartUploads() {
  const title = `${project} in beta, last 1h`;
  const ids = h.slack.calls
    .filter((c) => c.method === "files.completeUploadExternal" && JSON.stringify(c.args).includes(title))
    .flatMap((c) => [...JSON.stringify(c.args).matchAll(/F\d+/g)].map((m) => m[0]));
  return h.slack.uploads.filter((u) => ids.includes(u.fileId));
}

/** The value of one gauge series in a /metrics answer. */
function gauge(metrics: string, name: string, host: string): number | undefined {
  const line = metrics
    .split("\n")
    .find((l) => l.startsWith(`${name}{project="${project}",env="beta",host="${host}"}`));
  return line ? Number(line.split(" ").pop()) : undefined;
}

describe("resource thresholds on the real fleet", () => {
  it("/metrics exports the sampled gauges of a real container, as Redis holds them", async () => {
    const { store: deploys, redis: deploysRedis } = storeOf(h);
    const record = await deployed(h, deploys, { project, env: "beta" }, `${project} beta`).finally(() =>
      deploysRedis.disconnect(),
    );
    expect(Object.values(record.hosts).map((x) => x?.state)).toEqual(["succeeded", "succeeded"]);
    const deadline = Date.now() + 30_000;
    while (!(await store.latest("serverA", Date.now() - 12_000)).series[`${project}:beta`]) {
      if (Date.now() > deadline) throw new Error("no resource sample of the deployed container in 30 s");
      await new Promise((r) => setTimeout(r, 500));
    }
    const before = (await store.latest("serverA", 0)).series[`${project}:beta`];
    const res = await fetch(`http://127.0.0.1:${h.port}/metrics`);
    const metrics = await res.text();
    const after = (await store.latest("serverA", 0)).series[`${project}:beta`];
    expect(res.status).toBe(200);
    expect(gauge(metrics, "dockops_container_memory_limit_bytes", "serverA")).toBe(LIMIT);
    expect(gauge(metrics, "dockops_container_replicas", "serverA")).toBe(1);
    // The newest sample when scraped: the one before or, if the monitor wrote one meanwhile, after.
    expect([before?.mem, after?.mem]).toContain(gauge(metrics, "dockops_container_memory_bytes", "serverA"));
    expect(gauge(metrics, "dockops_container_memory_bytes", "serverB")).toBeGreaterThan(0);
    expect(metrics).toMatch(/^dockops_host_docker_disk_bytes\{host="serverA"\} [1-9]/m);
  }, 120_000);

  it("memory past the project's threshold raises one alert with its trend, resolved in place when it drops", async () => {
    const [info] = await managedContainers(h.docker.serverA, project);
    if (!info) throw new Error("the deployed container is not running on serverA");
    const container = h.docker.serverA.getContainer(info.Id);
    // /dev/shm is a tmpfs: its pages are charged to the container's memory and freed by rm.
    await execIn(container, ["dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=60"]);
    const call = await h.slack.waitFor(() => alertPosts(h, project)[0], 30_000, "the memory alert");
    const text = h.slack.messageText(String(call.args.__ts)) ?? "";
    expect(text.split("\n")[0]).toMatch(
      new RegExp(
        `^:rotating_light: \\*${project}\\* \\(beta\\) on \\*serverA\\*: memory 6\\d\\.\\dMiB of 100MiB \\(6\\d%\\), over the 50% threshold$`,
      ),
    );
    expect(text.split("\n")[1]).toMatch(/^Memory, last 10m: \S+ .+ → 6\d\.\dMiB of 100MiB$/);
    const blocks = call.args.blocks as Array<{ type: string; elements?: Array<{ text?: { text: string } }> }>;
    const labels = blocks.find((b) => b.type === "actions")?.elements?.map((e) => e.text?.text);
    expect(labels).toEqual(["Restart", "Show logs", "Roll back", "Silence 1h"]);
    expect(alertId(call)).toBeTruthy();
    // The last hour's chart goes up beside the alert, drawn by the renderer /stats --chart uses.
    const upload = await h.slack.waitFor(() => chartUploads()[0], 30_000, "the alert's chart");
    const img = decodePng(upload.bytes);
    expect([img.width, img.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
    expect(colourCounts(img).size).toBeGreaterThan(20);
    const complete = h.slack.calls.find(
      (c) => c.method === "files.completeUploadExternal" && JSON.stringify(c.args).includes(upload.fileId),
    );
    expect(complete?.args.channel_id).toBe(ref(call).channel);
    // Two more periods over the threshold, seen by two monitors: still the one message and chart.
    await new Promise((r) => setTimeout(r, 11_000));
    expect(alertPosts(h, project)).toHaveLength(1);
    expect(chartUploads()).toHaveLength(1);

    await execIn(container, ["rm", "/dev/shm/fill"]);
    const resolved = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ref(call).ts);
        return t?.startsWith(":white_check_mark: Resolved after") ? t : undefined;
      },
      30_000,
      "the memory alert to be resolved",
    );
    expect(resolved).toContain("over the 50% threshold");
    expect(alertPosts(h, project)).toHaveLength(1);
    // serverB's container of the same project stayed under: nothing about it.
    expect(h.slack.allText().some((t) => t.includes(`*${project}* (beta) on *serverB*`))).toBe(false);
  }, 120_000);
});
