import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { readDiskUsage } from "../../src/docker/disk-usage.js";
import { readHostStats } from "../../src/docker/host-stats.js";
import { need, readFleetEnv } from "../support/fleet-env.js";

const fe = readFleetEnv();
const docker = new Docker({ socketPath: need(fe, "HOST_A_SOCK").replace(/^unix:\/\//, "") });

describe("Docker's disk usage, read by several callers at once", () => {
  it("answers every caller, though the daemon runs one read at a time and refuses the others", async () => {
    const reads = await Promise.allSettled(Array.from({ length: 4 }, () => readDiskUsage(docker)));
    expect(reads.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    for (const r of reads)
      expect((r as PromiseFulfilledResult<{ LayersSize: number }>).value.LayersSize).toBeGreaterThan(0);
  });

  it("leaves a host reachable for each of several stats reads at once (a monitor, /stats and /hosts together)", async () => {
    const reads = await Promise.all(
      Array.from({ length: 3 }, () => readHostStats("serverA", () => docker, { timeoutMs: 20_000 })),
    );
    expect(reads.map((r) => r.reachable)).toEqual([true, true, true]);
  }, 30_000);
});
