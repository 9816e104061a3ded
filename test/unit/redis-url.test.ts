import { describe, expect, it } from "vitest";
import { loadEnv, replicaWaitOf } from "../../src/env.js";
import { checkRedis } from "../../src/queue/check-redis.js";
import { isSentinelUrl, parseSentinelUrl, redactRedisUrl } from "../../src/queue/redis-url.js";

describe("redis+sentinel:// URLs", () => {
  it("reads sentinels, master name, password, db and the sentinels' password", () => {
    const cases: Array<[string, ReturnType<typeof parseSentinelUrl>]> = [
      [
        "redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/mymaster?db=2",
        {
          sentinels: [
            { host: "10.0.0.1", port: 26379 },
            { host: "10.0.0.2", port: 26380 },
          ],
          name: "mymaster",
          password: "s3cret",
          db: 2,
        },
      ],
      [
        "redis+sentinel://ops:p%40ss%2Fw@[::1]/main/?sentinelPassword=x%26y",
        {
          sentinels: [{ host: "::1", port: 26379 }],
          name: "main",
          username: "ops",
          password: "p@ss/w",
          sentinelPassword: "x&y",
        },
      ],
      [
        "redis+sentinel://a,b:1/m",
        {
          sentinels: [
            { host: "a", port: 26379 },
            { host: "b", port: 1 },
          ],
          name: "m",
        },
      ],
    ];
    for (const [url, expected] of cases) expect(parseSentinelUrl(url)).toEqual(expected);
  });

  it("refuses a bad URL saying what is wrong, never the password", () => {
    const bad: Array<[string, RegExp]> = [
      ["redis+sentinel://:pw@h1:26379", /master's name is missing/],
      ["redis+sentinel://:pw@/mymaster", /no sentinel address/],
      ["redis+sentinel://:pw@h1:99999/m", /port "99999"/],
      ["redis+sentinel://:pw@h1:x/m", /port "x"/],
      ["redis+sentinel://:pw@h1,,h2/m", /"" is not a sentinel address/],
      ["redis+sentinel://:pw@h1/m?db=one", /db must be a whole number/],
      ["redis+sentinel://:pw@h1/m?timeout=3", /unknown option "timeout"/],
    ];
    for (const [url, message] of bad) {
      let error: Error | undefined;
      try {
        parseSentinelUrl(url);
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain("pw");
    }
  });

  it("is checked at start-up; a plain redis:// URL stays as it was", () => {
    expect(() => loadEnv({ REDIS_URL: "redis+sentinel://:hunter2@h1:nope/m" })).toThrow(
      /REDIS_URL: sentinel "h1" has port "nope"/,
    );
    expect(() => loadEnv({ REDIS_URL: "redis+sentinel://:hunter2@h1:nope/m" })).not.toThrow(/hunter2/);
    expect(loadEnv({ REDIS_URL: "redis://:pw@10.0.0.5:6379/1" }).REDIS_URL).toBe(
      "redis://:pw@10.0.0.5:6379/1",
    );
    expect(isSentinelUrl("redis://h:6379")).toBe(false);
  });

  it("waits for one replica by default only behind sentinels", () => {
    expect(replicaWaitOf(loadEnv({ REDIS_URL: "redis://h:6379" }))).toEqual({
      replicas: 0,
      timeoutMs: 1_000,
    });
    expect(replicaWaitOf(loadEnv({ REDIS_URL: "redis+sentinel://h/m" }))).toEqual({
      replicas: 1,
      timeoutMs: 1_000,
    });
    expect(
      replicaWaitOf(
        loadEnv({
          REDIS_URL: "redis+sentinel://h/m",
          REDIS_WAIT_REPLICAS: "0",
          REDIS_WAIT_TIMEOUT_MS: "250",
        }),
      ),
    ).toEqual({ replicas: 0, timeoutMs: 250 });
  });

  it("redacts every password", () => {
    expect(redactRedisUrl("redis+sentinel://:a/b@c@h1,h2/m?db=1&sentinelPassword=zz")).toBe(
      "redis+sentinel://•••@h1,h2/m?db=1&sentinelPassword=•••",
    );
    expect(redactRedisUrl("redis://:pw@h:6379")).toBe("redis://•••@h:6379");
    expect(redactRedisUrl("redis://h:6379")).toBe("redis://h:6379");
  });

  it("start-up check: unreachable sentinels are reported once, without the password", async () => {
    const url = "redis+sentinel://:hunter2@127.0.0.1:1,127.0.0.1:2/dockops";
    const err = await checkRedis(url, 1_000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^cannot reach the Redis master through the sentinels of redis\+sentinel:\/\/•••@127\.0\.0\.1:1,127\.0\.0\.1:2\/dockops \(/,
    );
    expect(err?.message).not.toContain("hunter2");
  });
});
