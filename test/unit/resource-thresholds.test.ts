import { describe, expect, it } from "vitest";
import { parseThreshold, thresholdsFor } from "../../src/fleet/resource-thresholds.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { renderAlert } from "../../src/monitor/render-alert.js";
import { checkResources, type SeriesCheck } from "../../src/monitor/resource-check.js";
import type { ContainerSample, HostSample } from "../../src/stats/sample-store.js";

const MiB = 1024 ** 2;
const EVERY = 30_000;
const T = 1_800_000_000_000; // a period start
const at = (i: number) => T - i * EVERY;

const container = (t: number, mem: number, cpu = 0, replicas = 1): ContainerSample => ({
  t,
  cpu,
  mem,
  limit: 100 * MiB * replicas,
  restarts: 0,
  rx: 0,
  tx: 0,
  replicas,
});
const hostAt = (t: number, disk = 1_000): HostSample => ({ t, cpu: 0, mem: 0, memTotal: 0, cpus: 4, disk });

/** Samples from oldest to newest, one per period, ending at T. */
const history = (values: number[], make: (t: number, v: number) => ContainerSample) =>
  values.map((v, i) => make(at(values.length - 1 - i), v));

const series = (samples: ContainerSample[], thresholds: SeriesCheck["thresholds"], cpus?: number) => ({
  project: "api",
  env: "prod",
  samples,
  thresholds,
  ...(cpus !== undefined ? { cpus } : {}),
});

const check = (s: SeriesCheck[], disk?: number, hostSamples = [hostAt(T)]) =>
  checkResources({
    host: "serverA",
    t: T,
    everyMs: EVERY,
    hostSamples,
    series: s,
    ...(disk ? { disk } : {}),
  });

describe("threshold syntax", () => {
  it.each([
    ["90%", { percent: 90, forMs: 0 }],
    ["95% for 5m", { percent: 95, forMs: 300_000 }],
    [" 87.5 % for 90s ", { percent: 87.5, forMs: 90_000 }],
  ])("%s", (text, want) => expect(parseThreshold(text)).toEqual(want));

  it.each(["90", "0%", "101%", "95% for ever", "95% during 5m", ""])("refuses %j", (text) =>
    expect(parseThreshold(text)).toBeUndefined(),
  );

  it("reads alerts.resources and a project's override, and says how to write a bad one", () => {
    const alerts = fleetSchema.shape.alerts.parse({
      resources: { memory: "90%", cpu: "95% for 5m", disk: "40g" },
    });
    expect(alerts?.resources).toEqual({
      memory: { percent: 90, forMs: 0 },
      cpu: { percent: 95, forMs: 300_000 },
      disk: 40 * 1024 ** 3,
    });
    const bad = fleetSchema.shape.alerts.safeParse({ resources: { memory: "90", disk: "85%" } });
    expect(bad.success ? [] : bad.error.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      [
        "resources.memory",
        '"90" is not a threshold; write a percentage from 1 to 100, e.g. 90% or 95% for 5m',
      ],
      ["resources.disk", '"85%" is not a size; write e.g. 40g or 500m'],
    ]);
    expect(fleetSchema.shape.alerts.safeParse({ resources: { swap: "50%" } }).success).toBe(false);
  });

  it("a project's own threshold wins, false switches one off, unset falls back to the fleet's", () => {
    const fleet = { memory: { percent: 90, forMs: 0 }, cpu: { percent: 95, forMs: 300_000 } };
    expect(thresholdsFor(fleet, { memory: { percent: 50, forMs: 0 }, cpu: false })).toEqual({
      memory: { percent: 50, forMs: 0 },
    });
    expect(thresholdsFor(fleet, undefined)).toEqual(fleet);
    expect(thresholdsFor(undefined, { cpu: { percent: 80, forMs: 0 } })).toEqual({
      cpu: { percent: 80, forMs: 0 },
    });
  });
});

describe("checking samples against thresholds", () => {
  const memory90 = { memory: { percent: 90, forMs: 0 } };

  it("raises memory on the first sample over the threshold, with the recent readings as a trend", () => {
    const samples = history([20, 40, 60, 95], (t, v) => container(t, v * MiB));
    expect(check([series(samples, memory90)])).toEqual({
      raise: [
        {
          key: "resource:memory:serverA:api:prod",
          kind: "memory",
          host: "serverA",
          project: "api",
          env: "prod",
          eventAt: T,
          detail: "memory 95.0MiB of 100MiB (95%), over the 90% threshold",
          trend: "Memory, last 10m: ▂▄▆█ 20.0MiB → 95.0MiB of 100MiB",
        },
      ],
      clear: [],
    });
  });

  it("clears a condition when the newest sample is back under, or the project no longer runs there", () => {
    const under = history([95, 89], (t, v) => container(t, v * MiB));
    expect(check([series(under, memory90)])).toEqual({
      raise: [],
      clear: ["resource:memory:serverA:api:prod"],
    });
    const gone = [container(at(1), 95 * MiB)];
    expect(check([series(gone, memory90)])).toEqual({
      raise: [],
      clear: ["resource:memory:serverA:api:prod", "resource:cpu:serverA:api:prod"],
    });
  });

  it("a sustained threshold waits until the run over it is that long; two missing periods restart it", () => {
    const cpu = { cpu: { percent: 95, forMs: 120_000 } };
    // One CPU limit: 97% of it for 90 s (four samples) is not yet 2 minutes: nothing either way.
    const short = history([10, 97, 97, 97, 97], (t, v) => container(t, 0, v));
    expect(check([series(short, cpu, 1)])).toEqual({ raise: [], clear: [] });
    const long = history([97, 97, 97, 97, 97], (t, v) => container(t, 0, v));
    const raised = check([series(long, cpu, 1)]).raise;
    expect(raised.map((a) => [a.key, a.detail])).toEqual([
      [
        "resource:cpu:serverA:api:prod",
        "CPU 97% of its limit of 1 CPU for 2m00s, over the 95% for 2m threshold",
      ],
    ]);
    const gap = long.filter((s) => s.t !== at(2) && s.t !== at(1));
    expect(check([series(gap, cpu, 1)])).toEqual({ raise: [], clear: [] });
  });

  it("CPU without a limit is a share of all the host's CPUs, summed over the replicas", () => {
    // Two replicas on a 4-CPU host using 760% between them: 95% of 8 CPUs.
    const samples = [container(T, 0, 760, 2)];
    expect(check([series(samples, { cpu: { percent: 90, forMs: 0 } })]).raise.map((a) => a.detail)).toEqual([
      "CPU 95% of the host's 4 CPU (its 2 containers together), over the 90% threshold",
    ]);
  });

  it("disk compares Docker's disk use on the host with a size", () => {
    const GiB = 1024 ** 3;
    expect(check([], 40 * GiB, [hostAt(T, 41 * GiB)]).raise.map((a) => [a.key, a.kind, a.detail])).toEqual([
      [
        "resource:disk:serverA",
        "disk",
        "Docker uses 41.0GiB of disk (images, containers, volumes, build cache), over the 40.0GiB threshold; `/prune` removes unused images",
      ],
    ]);
    expect(check([], 40 * GiB, [hostAt(T, 39 * GiB)])).toEqual({
      raise: [],
      clear: ["resource:disk:serverA"],
    });
  });

  it("a memory alert shows its trend while open and once resolved, with the alert buttons", () => {
    const [alert] = check([
      series(
        history([20, 95], (t, v) => container(t, v * MiB)),
        memory90,
      ),
    ]).raise;
    if (!alert) throw new Error("no alert raised");
    const meta = {
      id: "a1",
      channel: "C1",
      ts: "1.2",
      host: "serverA",
      env: "prod",
      openedAt: T,
      postedAt: T,
    };
    const open = renderAlert({ meta, items: [alert] });
    expect(open.text).toBe(
      [
        ":rotating_light: *api* (prod) on *serverA*: memory 95.0MiB of 100MiB (95%), over the 90% threshold",
        "Memory, last 10m: ▂█ 20.0MiB → 95.0MiB of 100MiB",
      ].join("\n"),
    );
    expect(open.buttons?.map((b) => b.label)).toEqual(["Restart", "Show logs", "Roll back", "Silence 1h"]);
    const resolved = renderAlert({ meta, items: [{ ...alert, resolvedAt: T + 65_000 }] });
    expect(resolved).toEqual({
      text: [
        ":white_check_mark: Resolved after 1m05s: *api* (prod) on *serverA*: memory 95.0MiB of 100MiB (95%), over the 90% threshold",
        "Memory, last 10m: ▂█ 20.0MiB → 95.0MiB of 100MiB",
      ].join("\n"),
    });
  });
});
