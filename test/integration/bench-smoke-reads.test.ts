import { describe, expect, it } from "vitest";
import { alertsBench } from "../bench/alerts-bench.js";
import { costBench } from "../bench/cost-bench.js";
import { readsBench } from "../bench/reads-bench.js";

/**
 * One short round of the read, alert and cost benchmarks, so `npm run bench` cannot rot. Figures
 * are not asserted (the machines are shared and noisy); only that each was measured.
 */
describe("read, alert and cost benchmarks, one short round each", () => {
  it("reads: /status, /hosts and /history timed beside their raw reads", { timeout: 180_000 }, async () => {
    const { reads } = (await readsBench({ containers: 2, deploys: 100, rounds: 1 })) as {
      reads: { rows: { read: string; rawMs: number; botMs: number }[] };
    };
    expect(reads.rows.map((r) => r.read)).toEqual(["status", "hosts", "history"]);
    for (const row of reads.rows) {
      expect(row.rawMs).toBeGreaterThanOrEqual(0);
      expect(row.botMs).toBeGreaterThan(0);
    }
  });

  it("alerts: every kill's alert timed", { timeout: 120_000 }, async () => {
    const { alerts } = (await alertsBench(2)) as { alerts: { kills: number; p50Ms: number; p95Ms: number } };
    expect(alerts.kills).toBe(2);
    expect(alerts.p50Ms).toBeGreaterThan(0);
    expect(alerts.p95Ms).toBeGreaterThanOrEqual(alerts.p50Ms);
  });

  // Three processes start and a deploy runs first: slow on a loaded machine. Run with tsx only:
  // the image's tsc build alone takes a minute.
  it("cost: RSS and CPU of each process, Redis bytes per deploy and per alert", {
    timeout: 240_000,
  }, async () => {
    const { cost } = (await costBench(
      { idleSeconds: 2, loadSeconds: 1, rate: 5, deploys: 20, alerts: 2, settleSeconds: 0 },
      ["tsx"],
    )) as {
      cost: {
        tsx: {
          sent: number;
          answered: number;
          processes: Record<string, { idle: { rssMB: number }; load: { rssMB: number; cpuPercent: number } }>;
        };
        redis: { bytesPer1000Deploys: number; bytesPerAlert: number };
      };
    };
    expect(cost.tsx.answered).toBe(cost.tsx.sent);
    expect(Object.keys(cost.tsx.processes)).toEqual(["bot", "worker", "monitor"]);
    for (const p of Object.values(cost.tsx.processes)) {
      expect(p.idle.rssMB).toBeGreaterThan(0);
      expect(p.load.rssMB).toBeGreaterThan(0);
      expect(p.load.cpuPercent).toBeGreaterThanOrEqual(0);
    }
    expect(cost.redis.bytesPer1000Deploys).toBeGreaterThan(0);
    expect(cost.redis.bytesPerAlert).toBeGreaterThan(0);
  });
});
