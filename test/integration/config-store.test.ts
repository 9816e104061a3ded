import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigCipher, secretAad } from "../../src/config/cipher.js";
import { ConfigStore } from "../../src/config/config-store.js";
import { ConfigService } from "../../src/core/config-service.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { testFleetInput } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { localFreePort, type RedisServer, startRedisServer } from "../support/redis-server.js";

const shared = new Redis(need(readFleetEnv(), "REDIS_URL"));
afterAll(async () => {
  await shared.quit();
});

/** A throwaway AOF Redis with a client; kill -9 it and start it again on the same dir. */
async function startRedis(port: number, dir: string): Promise<{ server: RedisServer; redis: Redis }> {
  const server = await startRedisServer({ port, dir });
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  return { server, redis };
}

describe("config store", () => {
  it("a Redis killed with -9 and restarted with AOF loses no revision", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dockops-aof-"));
    const port = await localFreePort();
    const cipher = new ConfigCipher(randomBytes(32));
    const secret = `pw-${randomBytes(8).toString("hex")}`;
    let server = await startRedis(port, dir);
    try {
      const store = new ConfigStore(server.redis, "aof");
      await store.change("a1", "beta", { op: "set", entries: { A: { v: "1" } } }, "U1");
      await store.change(
        "a1",
        "beta",
        {
          op: "set",
          entries: {
            DB_PASSWORD: { v: cipher.encrypt(secret, secretAad("a1", "beta", "DB_PASSWORD")), s: true },
          },
        },
        "U2",
      );
      await store.change("a1", "beta", { op: "revert", revision: 1 }, "U1");
      const before = await server.redis.hgetall(store.key("a1", "beta"));
      server.redis.disconnect();
      await server.server.kill();

      server = await startRedis(port, dir);
      const after = new ConfigStore(server.redis, "aof");
      expect(await server.redis.hgetall(after.key("a1", "beta"))).toEqual(before);
      expect(await after.head("a1", "beta")).toBe(3);
      expect((await after.revision("a1", "beta"))?.entries).toEqual({ A: { v: "1" } });
      const r2 = await after.revision("a1", "beta", 2);
      expect(cipher.decrypt(r2?.entries.DB_PASSWORD?.v ?? "", secretAad("a1", "beta", "DB_PASSWORD"))).toBe(
        secret,
      );
    } finally {
      server.redis.disconnect();
      await server.server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("twenty concurrent changes to one environment each get a revision and none is lost", async () => {
    const store = new ConfigStore(shared, uniqueName("cs"));
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.change("a1", "beta", { op: "set", entries: { [`K${i}`]: { v: String(i) } } }, `U${i}`),
      ),
    );
    expect(outcomes.map((o) => (o.status === "ok" ? o.revision : 0)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const latest = await store.revision("a1", "beta");
    expect(Object.keys(latest?.entries ?? {}).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `K${i}`).sort(),
    );
    const history = await store.history("a1", "beta", 50);
    expect(history.map((r) => r.rev)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
  });

  it("a secret is refused with a clear message when CONFIG_ENCRYPTION_KEY is unset, and nothing is stored", async () => {
    const fleet = fleetSchema.parse(testFleetInput(readFleetEnv(), { a1: { image: "web" } }));
    const store = new ConfigStore(shared, uniqueName("cs"));
    const service = new ConfigService({ fleet, store, log: pino({ level: "silent" }) });
    const base = { kind: "config", project: "a1", env: "beta", requestedBy: "U1", channel: "C1" } as const;
    const reply = await service.run({
      ...base,
      op: "set",
      entries: [
        { key: "PLAIN", value: "1", secret: false },
        { key: "API_TOKEN", value: "tok-123456", secret: true },
      ],
    });
    expect(reply?.message.text).toBe(
      ":x: CONFIG_ENCRYPTION_KEY is not set on the bot, so secrets cannot be stored; nothing was stored. Set it (see docs/configuration-and-secrets.md) and try again.",
    );
    expect(await store.head("a1", "beta")).toBe(0);
    // Plain values still work without a key.
    const plain = await service.run({
      ...base,
      op: "set",
      entries: [{ key: "PLAIN", value: "1", secret: false }],
    });
    expect(plain?.message.text).toContain("config is now *r1*");
  });

  it("an approved change applies only on the revision it was approved on; otherwise nothing is written", async () => {
    const store = new ConfigStore(shared, uniqueName("cs"));
    const set = (k: string) => ({ op: "set", entries: { [k]: { v: "1" } } }) as const;
    expect(await store.change("a1", "prod", set("A"), "U1", 0)).toEqual({ status: "ok", revision: 1 });
    // Two requests both shown "on r1": the first lands, the second must not land on r2.
    expect(await store.change("a1", "prod", set("B"), "U2", 1)).toEqual({ status: "ok", revision: 2 });
    expect(await store.change("a1", "prod", set("C"), "U3", 1)).toEqual({ status: "moved", revision: 2 });
    expect(await store.change("a1", "prod", { op: "unset", keys: ["A"] }, "U3", 1)).toEqual({
      status: "moved",
      revision: 2,
    });
    expect(await store.change("a1", "prod", { op: "revert", revision: 0 }, "U3", 1)).toEqual({
      status: "moved",
      revision: 2,
    });
    expect(await store.head("a1", "prod")).toBe(2);
    expect(Object.keys((await store.revision("a1", "prod"))?.entries ?? {}).sort()).toEqual(["A", "B"]);

    // The service turns it into a named fault (the approval message then says why nothing ran).
    const fleet = fleetSchema.parse(testFleetInput(readFleetEnv(), { a1: { image: "web" } }));
    const service = new ConfigService({ fleet, store, log: pino({ level: "silent" }) });
    const base = { kind: "config", project: "a1", env: "beta", requestedBy: "U1", channel: "C1" } as const;
    await store.change("a1", "beta", set("A"), "U1");
    await expect(
      service.run({ ...base, op: "set", entries: [{ key: "X", value: "1", secret: false }], onRevision: 0 }),
    ).rejects.toThrow("the config of *a1/beta* changed since the request (r0 → r1); nothing was changed");
    expect(await store.head("a1", "beta")).toBe(1);
  });
});
