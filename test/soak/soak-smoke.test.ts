import { describe, expect, it } from "vitest";
import { runSoak } from "./run-soak.js";

/**
 * The chaos soak for one minute with a fixed seed, so it cannot rot: two users' real commands
 * through the Bolt app while workers, the bot, the monitor, Redis, a soak host's daemon and
 * network, the soak registry and Slack fail at random; then the checker's six invariants.
 * It runs on the soak's own Redis, hosts (s1, s2) and registry (:5001), never the shared fleet.
 * The ten-minute run is `npm run soak` (docs/guarantees-and-limits.md, "Chaos soak").
 */
describe("chaos soak smoke", () => {
  it("60 s of operations under overlapping faults break no invariant (seed 20261130)", async () => {
    const result = await runSoak({
      seed: 20261130,
      workMs: 60_000,
      users: 2,
      pauseMs: [1_500, 4_000],
      faultGapMs: [4_000, 9_000],
      maxOutageMs: 6_000,
      minQuietMs: 30_000,
      maxQuietMs: 150_000,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${result.report}\n`);
    expect(result.operations).toBeGreaterThan(15);
    expect(result.faults).toBeGreaterThan(4);
    expect(result.violations.map((v) => `invariant ${v.invariant}: ${v.what}`)).toEqual([]);
  }, 420_000);
});
