import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
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
