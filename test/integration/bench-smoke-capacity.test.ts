import { describe, expect, it } from "vitest";
import { capacityBench } from "../bench/capacity-bench.js";
import type { Row } from "../bench/capacity-table.js";

/**
 * One short round of the capacity benchmark, so `npm run bench` cannot rot: 3 host queues against
 * the shared queue, one worker process, a few hundred jobs. Figures are not asserted (the
 * machines are shared and noisy); only that each was measured, and the connection count that
 * BullMQ's design fixes: one blocking connection per queue a worker process serves.
 */
describe("capacity benchmark, one short round", () => {
  it("per-host queues and the shared queue: connections, latency, jobs/s, memory", {
    timeout: 180_000,
  }, async () => {
    const { capacity } = (await capacityBench({
      hosts: [3],
      workers: [1],
      jobs: 300,
      rate: 50,
      latencySeconds: 2,
      idleSeconds: 1,
      workMs: 1,
    })) as { capacity: { rows: Row[] } };
    expect(capacity.rows.map((r) => r.design)).toEqual(["shared", "perHost"]);
    const [shared, perHost] = capacity.rows as [Row, Row];
    expect(perHost.connections - shared.connections).toBe(2);
    for (const r of capacity.rows) {
      expect(r.latency.jobs).toBe(100);
      expect(r.latency.p95Ms).toBeGreaterThanOrEqual(r.latency.p50Ms);
      expect(r.saturation.jobsPerSec).toBeGreaterThan(0);
      expect(r.saturation.workerCpuMsPerJob).toBeGreaterThan(0);
      expect(r.saturation.workerRssMB).toBeGreaterThan(0);
      // Every job is kept: 400 finished, under the count removeOnComplete keeps.
      expect(r.memory.keptJobs).toBe(400);
      expect(r.memory.bytesPer1000Kept).toBeGreaterThan(0);
      expect(r.memory.bytesPerEvent).toBeGreaterThan(0);
    }
  });
});
