import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertStore } from "../../src/monitor/alert-store.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

// Two monitors: two connections, so their commands really interleave in Redis.
let one: Redis;
let two: Redis;
const prefix = uniqueName("alerts");

beforeAll(() => {
  const url = need(readFleetEnv(), "REDIS_URL");
  one = new Redis(url);
  two = new Redis(url);
});
afterAll(async () => {
  await one?.quit();
  await two?.quit();
});

describe("alert conditions in Redis", () => {
  it("an observation from before a recovery never reopens the condition, however the two interleave", async () => {
    const first = new AlertStore(one, prefix);
    const second = new AlertStore(two, prefix);
    let reopened = 0;
    // Found by the resource-alert test: a monitor checking an older sample read "not recovered",
    // another closed the condition, then the first opened it again and posted a second alert.
    for (let i = 0; i < 200; i++) {
      const key = `resource:memory:serverA:p${i}:beta`;
      const observedAt = Date.now() - 5_000;
      expect(await first.claim(key, `open${i}`, observedAt)).toBe(true);
      const lag = i % 4;
      const [closed, stale] = await Promise.all([
        second.close(key),
        (async () => {
          for (let n = 0; n < lag; n++) await one.ping();
          return first.claim(key, `stale${i}`, observedAt);
        })(),
      ]);
      expect(closed).toBe(`open${i}`);
      if (stale) reopened++;
    }
    expect(reopened).toBe(0);
  });

  it("a newer observation opens it again after the recovery, once", async () => {
    const first = new AlertStore(one, prefix);
    const second = new AlertStore(two, prefix);
    const key = "resource:memory:serverA:again:beta";
    expect(await first.claim(key, "a", Date.now() - 1_000)).toBe(true);
    expect(await second.close(key)).toBe("a");
    expect(await second.close(key)).toBeUndefined();
    const later = Date.now() + 1;
    const claims = await Promise.all([first.claim(key, "b", later), second.claim(key, "c", later)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await first.openIdFor(key)).toBe(claims[0] ? "b" : "c");
  });
});
