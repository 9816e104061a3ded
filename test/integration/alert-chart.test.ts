import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { Chat } from "../../src/core/message.js";
import { DeployStore } from "../../src/deploys/store.js";
import { parseFleet } from "../../src/fleet/load.js";
import { alertCharts } from "../../src/monitor/alert-chart.js";
import type { NewAlert } from "../../src/monitor/alerter.js";
import { CHART_SIZE } from "../../src/stats/chart-svg.js";
import { SampleStore } from "../../src/stats/sample-store.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";
import { decodePng } from "../support/png.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const redis = new Redis(need(readFleetEnv(), "REDIS_URL"));
const prefix = uniqueName("achart");
const samples = new SampleStore(redis, prefix, {
  fullMs: 86_400_000,
  bucketMs: 300_000,
  downsampledMs: 604_800_000,
});
const deploys = new DeployStore(redis, prefix);
const now = Math.floor(Date.now() / 30_000) * 30_000;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

type Uploaded = { channel: string; filename: string; png: Uint8Array; title: string };

/** A chat that records uploads, or fails them: the alert's own post happened before. */
function chatThat(fails = false): Chat & { uploads: Uploaded[] } {
  const uploads: Uploaded[] = [];
  return {
    uploads,
    post: async () => ({ channel: "C9", ts: "1" }),
    update: async () => {},
    upload: async () => {},
    uploadImage: async (channel, filename, png, title) => {
      if (fails) throw new Error("files.uploadV2 failed: ratelimited");
      uploads.push({ channel, filename, png, title });
      return undefined;
    },
  };
}

/** A logger whose warnings the test reads. */
function logger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: "warn" }, sink), lines };
}

const alert = (kind: NewAlert["kind"], project: string): NewAlert => ({
  key: `resource:${kind}:serverB:${project}:prod`,
  kind,
  host: "serverB",
  project,
  env: "prod",
  detail: `${kind} over`,
  eventAt: now,
});

async function sampled(project: string): Promise<void> {
  for (const t of [now - 60_000, now - 30_000, now]) {
    const host = { t, cpu: 50, mem: 80_000_000, memTotal: 1e9, cpus: 2, disk: 1e9 };
    const sample = {
      t,
      cpu: 40,
      mem: 70_000_000,
      limit: 100_000_000,
      restarts: 0,
      rx: 1,
      tx: 1,
      replicas: 1,
    };
    await samples.write("serverB", t, host, { [`${project}:prod`]: sample });
  }
}

describe("the chart beside a resource alert", () => {
  it("uploads one last-hour chart per project+env with memory or cpu conditions, none for others", async () => {
    const project = uniqueName("ac");
    await sampled(project);
    const chat = chatThat();
    const { log } = logger();
    await alertCharts({ fleet, samples, deploys, chat, log, now: () => now })("C9", [
      alert("memory", project),
      alert("cpu", project),
      { key: "resource:disk:serverB", kind: "disk", host: "serverB", detail: "disk", eventAt: now },
    ]);
    expect(chat.uploads.map((u) => [u.channel, u.title])).toEqual([["C9", `${project} in prod, last 1h`]]);
    const img = decodePng(Buffer.from(chat.uploads[0]?.png ?? []));
    expect([img.width, img.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
  });

  it("logs and returns when the chart cannot be drawn or uploaded, so the alert stands", async () => {
    const project = uniqueName("ac");
    await sampled(project);
    const failing = chatThat(true);
    const { log, lines } = logger();
    await expect(
      alertCharts({ fleet, samples, deploys, chat: failing, log, now: () => now })("C9", [
        alert("memory", project),
        alert("memory", uniqueName("nosamples")),
      ]),
    ).resolves.toBeUndefined();
    expect(lines.some((l) => l.includes("alert chart not uploaded") && l.includes("ratelimited"))).toBe(true);
    expect(lines.some((l) => l.includes("alert chart not drawn"))).toBe(true);
  });
});
