import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { type EnvLock, EnvLocks } from "../../src/deploys/env-lock.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const url = need(readFleetEnv(), "REDIS_URL");
const redis = new Redis(url);
const other = new Redis(url);
const prefix = uniqueName("envlock");
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  other.disconnect();
});

/**
 * The same real connection, but once the first Redis command of the code under test has been
 * answered, `between` runs on another connection before the code sees the answer: a
 * deterministic interleaving of two users instead of a race that shows up once in a while.
 */
function interleaved(client: Redis, between: () => Promise<unknown>): Redis {
  let fired = false;
  return new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || !["get", "del", "eval", "evalsha", "set"].includes(String(name)))
        return value;
      return async (...args: unknown[]) => {
        const answer = await value.apply(target, args);
        if (!fired) {
          fired = true;
          await between();
        }
        return answer;
      };
    },
  });
}

describe("/unlock (real Redis)", () => {
  it("removes only the lock it read: one placed right after by someone else stays", async () => {
    const first: EnvLock = { by: "U1", at: 1, reason: "freeze" };
    const second: EnvLock = { by: "U2", at: 2, reason: "migrating" };
    const locks = new EnvLocks(redis, prefix);
    await locks.lock("p", "prod", first);
    const key = `${prefix}:env-lock:p:prod`;
    // Someone else unlocks and locks again while our /unlock is under way.
    const racing = new EnvLocks(
      interleaved(redis, async () => {
        await other.del(key);
        await other.set(key, JSON.stringify(second), "NX");
      }),
      prefix,
    );
    expect(await racing.unlock("p", "prod")).toEqual(first);
    expect(await locks.get("p", "prod")).toEqual(second);
  });

  it("lifts a lock once; a second unlock finds none", async () => {
    const locks = new EnvLocks(redis, prefix);
    await locks.lock("p", "beta", { by: "U1", at: 1, reason: "x" });
    expect(await locks.unlock("p", "beta")).toEqual({ by: "U1", at: 1, reason: "x" });
    expect(await locks.unlock("p", "beta")).toBeUndefined();
    expect(await locks.get("p", "beta")).toBeUndefined();
  });
});
