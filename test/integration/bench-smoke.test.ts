import { describe, expect, it } from "vitest";
import { ackBench } from "../bench/ack-bench.js";
import { statsBench } from "../bench/stats-bench.js";

/**
 * One short round of every benchmark, so `npm run bench` cannot rot. Figures are not asserted
 * (the machines are shared and noisy); only that each benchmark runs and measures something.
 */
describe("benchmarks, one short round each", () => {
  // Three processes start and a deploy runs before the load: slow on a loaded machine.
  it("ack: every command acknowledged and answered, bare and bot", { timeout: 300_000 }, async () => {
    const { ack } = (await ackBench(1, [10])) as {
      ack: {
        rows: {
          bare: { sent: number; errors: number };
          bot: { sent: number; errors: number };
          dropped: number;
        }[];
      };
    };
    expect(ack.rows).toHaveLength(1);
    expect(ack.rows[0]).toMatchObject({
      bare: { sent: 10, errors: 0 },
      bot: { sent: 10, errors: 0 },
      dropped: 0,
    });
  });

  it("stats: chart render, Redis memory per container-day and sampling CPU all measured", {
    timeout: 120_000,
  }, async () => {
    const { stats } = (await statsBench({ renders: 2, series: 2, containers: 2, passes: 2 })) as {
      stats: {
        render: { medianMs: number; pngBytes: number };
        redis: { bytesPerContainerDay: number; samplesPerDay: number };
        sampling: { containers: number; cpuMsPerPass: number };
      };
    };
    expect(stats.render.medianMs).toBeGreaterThan(0);
    expect(stats.render.pngBytes).toBeGreaterThan(1000);
    expect(stats.redis.samplesPerDay).toBe(2880);
    expect(stats.redis.bytesPerContainerDay).toBeGreaterThan(2880);
    expect(stats.sampling.containers).toBe(2);
    expect(stats.sampling.cpuMsPerPass).toBeGreaterThan(0);
  });
});
