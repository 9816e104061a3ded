import { describe, expect, it } from "vitest";
import { deployBench } from "../bench/deploy-bench.js";
import { fanoutBench } from "../bench/fanout-bench.js";

type Way = { medianMs: number; requests: number; failed: number };

/**
 * One round of the deploy and fan-out benchmarks, so `npm run bench` cannot rot. Figures are not
 * asserted (the machines are shared and noisy); only that each one was measured. Without the
 * benchmarks' warm-up deploys (the round creates rather than replaces) to keep this short.
 */
describe("deploy benchmarks, one round each", () => {
  it("deploy: raw Docker, docker-compose, the bot and the bot behind the proxy, each timed under traffic", {
    timeout: 240_000,
  }, async () => {
    const { deploy } = (await deployBench(1, { warmUp: false })) as {
      deploy: { ways: Record<string, Way>; recordMs: number; messageMs: number };
    };
    expect(Object.keys(deploy.ways).sort()).toEqual(["bot", "compose", "proxy", "raw"]);
    for (const way of Object.values(deploy.ways)) {
      expect(way.medianMs).toBeGreaterThan(0);
      expect(way.requests).toBeGreaterThan(0);
      expect(way.failed).toBeGreaterThanOrEqual(0);
    }
    expect(deploy.recordMs).toBeGreaterThan(0);
    expect(deploy.messageMs).toBeGreaterThan(0);
  });

  it("fanout: /deploy to all hosts of environments of 1, 2 and 3 hosts timed", {
    timeout: 240_000,
  }, async () => {
    const { fanout } = (await fanoutBench(1, { warmUp: false })) as {
      fanout: { rows: { hosts: number; medianMs: number }[] };
    };
    expect(fanout.rows.map((r) => r.hosts)).toEqual([1, 2, 3]);
    for (const row of fanout.rows) expect(row.medianMs).toBeGreaterThan(0);
  });
});
