import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { DeployLanes } from "../../src/deploys/deploy-lane.js";
import { HostLocks } from "../../src/deploys/host-lock.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const redis = new Redis(need(readFleetEnv(), "REDIS_URL"));
const prefix = uniqueName("lock");
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("the per-host deploy lock (real Redis)", () => {
  it("a running holder keeps it past its expiry; a second deploy is refused, then gets it once released", async () => {
    const locks = new HostLocks(redis, prefix, 600);
    const first = await locks.tryAcquire("p", "beta", "serverA", "d1");
    expect(first).toBeDefined();
    // Three expiry periods later the holder still has it, because it renews.
    await new Promise((r) => setTimeout(r, 1_800));
    expect(await locks.holder("p", "beta", "serverA")).toBe("d1");
    expect(await locks.tryAcquire("p", "beta", "serverA", "d2")).toBeUndefined();

    await first?.release();
    const second = await locks.tryAcquire("p", "beta", "serverA", "d2");
    expect(second).toBeDefined();
    expect(await locks.holder("p", "beta", "serverA")).toBe("d2");
    await second?.release();
    expect(await locks.holder("p", "beta", "serverA")).toBeUndefined();
  });

  it("a holder whose lock expired or was taken learns it at the next renewal", async () => {
    const locks = new HostLocks(redis, prefix, 600);
    const held = await locks.tryAcquire("p", "beta", "serverC", "d1");
    expect(held?.lost()).toBe(false);
    // As after a long pause or a Redis that came back without it: another deploy holds it now.
    await redis.set(locks.key("p", "beta", "serverC"), "cafebabe d2", "PX", 5_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(held?.lost()).toBe(true);
    await held?.release();
    expect(await locks.holder("p", "beta", "serverC")).toBe("d2");
  });

  it("the lock of a worker that died frees itself within its expiry", async () => {
    const locks = new HostLocks(redis, prefix, 600);
    // What a dead worker leaves behind: the key, with nobody renewing it.
    await redis.set(locks.key("p", "beta", "serverB"), "deadbeef d0", "PX", 600);
    const started = Date.now();
    let lock = await locks.tryAcquire("p", "beta", "serverB", "d1");
    expect(lock).toBeUndefined();
    while (!lock && Date.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 50));
      lock = await locks.tryAcquire("p", "beta", "serverB", "d1");
    }
    expect(lock).toBeDefined();
    expect(Date.now() - started).toBeLessThan(1_500);
    await lock?.release();
  });

  it("a holder whose lock expired and was taken over cannot release the new holder's lock", async () => {
    const locks = new HostLocks(redis, prefix, 10_000);
    const key = locks.key("p", "beta", "serverC");
    const stale = await locks.tryAcquire("p", "beta", "serverC", "d1");
    await redis.set(key, "cafe d2", "PX", 10_000);
    await stale?.release();
    expect(await redis.get(key)).toBe("cafe d2");
  });
});

describe("deploy lanes: newest request wins, waiters are listed (real Redis)", () => {
  const lane = { project: "p", env: "beta", host: "serverA" };
  // Each test its own keys, under the file's prefix so the cleanup finds them.
  const newLanes = () => {
    const own = `${prefix}:${uniqueName("lane")}`;
    return new DeployLanes(redis, new HostLocks(redis, own), own);
  };
  const req = (deployId: string, at: number, supersedable = true) => ({
    deployId,
    tag: `t-${deployId}`,
    at,
    supersedable,
    waiterId: `job-${deployId}`,
  });

  it("a newer request supersedes an older one that has not begun, whatever order they claim in", async () => {
    const lanes = newLanes();
    const holder = await lanes.claim(lane, req("d1", 100));
    expect(holder.kind).toBe("acquired");
    // The newest claims first, the older one after: both wait while d1 holds the host.
    expect(await lanes.claim(lane, req("d3", 300))).toEqual({ kind: "busy", holder: "d1" });
    expect(await lanes.claim(lane, req("d2", 200))).toEqual({
      kind: "superseded",
      by: { deployId: "d3", tag: "t-d3" },
    });
    expect(await lanes.takeWaiters(lane)).toEqual(["job-d3"]);
    if (holder.kind === "acquired") await holder.lock.release();
    expect(await lanes.isFree(lane)).toBe(true);
    const next = await lanes.claim(lane, req("d3", 300));
    expect(next.kind).toBe("acquired");
    if (next.kind === "acquired") await next.lock.release();
  });

  it("an older request whose earlier attempt began changing the host still gets the lane", async () => {
    const lanes = newLanes();
    const newer = await lanes.claim(lane, req("d2", 200));
    if (newer.kind === "acquired") await newer.lock.release();
    const resumed = await lanes.claim(lane, req("d1", 100, false));
    expect(resumed.kind).toBe("acquired");
    if (resumed.kind === "acquired") await resumed.lock.release();
    // …and it did not become the newest: a later look still names d2.
    expect(await lanes.claim(lane, req("d0", 50))).toEqual({
      kind: "superseded",
      by: { deployId: "d2", tag: "t-d2" },
    });
  });

  it("a re-attempt of the deploy that holds the lane takes it over instead of waiting for itself", async () => {
    // Found by the chaos soak: a stalled job picked up again showed "waiting for deploy <its own id>".
    const own = `${prefix}:${uniqueName("lane")}`;
    const lanes = new DeployLanes(redis, new HostLocks(redis, own, 600), own);
    const first = await lanes.claim(lane, req("d1", 100));
    expect(first.kind).toBe("acquired");
    expect(await lanes.claim(lane, req("d2", 200))).toEqual({ kind: "busy", holder: "d1" });
    const again = await lanes.claim(lane, req("d1", 100, false));
    expect(again.kind).toBe("acquired");
    expect(await lanes.holder(lane)).toBe("d1");
    // The earlier attempt, if it still runs, learns at its next renewal that it is no longer the holder.
    await new Promise((r) => setTimeout(r, 500));
    if (first.kind === "acquired") {
      expect(first.lock.lost()).toBe(true);
      await first.lock.release();
    }
    expect(await lanes.holder(lane)).toBe("d1");
    if (again.kind === "acquired") await again.lock.release();
    expect(await lanes.isFree(lane)).toBe(true);
  });
});
