import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { need, readFleetEnv } from "./fleet-env.js";

/** A fresh name per test, so tests share one fleet without seeing each other's containers. */
export function uniqueName(prefix = "t"): string {
  return `${prefix}${randomBytes(4).toString("hex")}`;
}

/**
 * A host port no other test file uses right now: test files run in parallel processes, so the
 * counter lives in the fleet's Redis. It wraps around within 20000–28999.
 */
export async function freePort(): Promise<number> {
  const redis = new Redis(need(readFleetEnv(), "REDIS_URL"));
  try {
    const n = await redis.incr("dockops-test:next-port");
    return 20_000 + (n % 9_000);
  } finally {
    redis.disconnect();
  }
}
