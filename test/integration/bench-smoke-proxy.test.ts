import { describe, expect, it } from "vitest";
import { type ProxyLatencyMode as Mode, proxyLatencyBench } from "../bench/proxy-latency-bench.js";
import { rollingBench } from "../bench/rolling-bench.js";

/**
 * One short round of the proxy latency and rolling deploy benchmarks, so `npm run bench` cannot
 * rot. Figures are not asserted (the machines are shared and noisy); only that each was measured.
 */
describe("proxy latency and rolling deploy benchmarks, one short round each", () => {
  it("proxylat: requests direct and through the proxy timed, new connections and kept-alive", {
    timeout: 180_000,
  }, async () => {
    const { proxylat } = (await proxyLatencyBench(20)) as {
      proxylat: { newConnection: Mode; keepAlive: Mode; goals: { met: boolean } };
    };
    for (const mode of [proxylat.newConnection, proxylat.keepAlive]) {
      expect(mode.requests).toBe(20);
      expect(mode.failed).toBeGreaterThanOrEqual(0);
      expect(mode.failed).toBeLessThan(20);
      for (const side of [mode.direct, mode.proxied]) {
        expect(side.p50Ms).toBeGreaterThan(0);
        expect(side.p99Ms).toBeGreaterThanOrEqual(side.p50Ms);
      }
      // A difference may be negative on a noisy machine; it must be a number.
      for (const diff of [mode.added, mode.difference]) {
        expect(Number.isFinite(diff.p50Ms)).toBe(true);
        expect(Number.isFinite(diff.p99Ms)).toBe(true);
      }
    }
    expect(typeof proxylat.goals.met).toBe("boolean");
  });

  it("rolling: /deploy rolling one host per batch over 1, 2 and 3 hosts timed", {
    timeout: 240_000,
  }, async () => {
    const { rolling } = (await rollingBench(1, { warmUp: false })) as {
      rolling: { rows: { hosts: number; medianMs: number; ratio: number }[] };
    };
    expect(rolling.rows.map((r) => r.hosts)).toEqual([1, 2, 3]);
    for (const row of rolling.rows) {
      expect(row.medianMs).toBeGreaterThan(0);
      expect(row.ratio).toBeGreaterThan(0);
    }
  });
});
