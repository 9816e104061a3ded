import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "../../src/queue/connection.js";
import { localFreePort, type RedisServer, startRedisServer } from "../support/redis-server.js";
import { type ScriptedSentinel, startScriptedSentinel } from "../support/scripted-sentinel.js";

/**
 * Found by the Sentinel failover test under the full suite's load: after a master was killed,
 * some connections of the worker and the bot answered every command with "Connection is closed."
 * for good. The sentinels' `+switch-master` had reached the failover detector of a connection
 * while that connection was asking a sentinel where the master is; ioredis then ends it.
 */
let server: RedisServer;
let sentinel: ScriptedSentinel;
let admin: Redis;

beforeAll(async () => {
  const port = await localFreePort();
  server = await startRedisServer({ port, dir: mkdtempSync(join(tmpdir(), "dockops-switch-race-")) });
  sentinel = await startScriptedSentinel("dockops", { port });
  admin = new Redis(server.url);
});
afterAll(async () => {
  admin?.disconnect();
  await sentinel?.close();
  await server?.kill();
});

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a Sentinel connection whose master went away", () => {
  const url = () => `redis+sentinel://127.0.0.1:${sentinel.port}/dockops`;
  const opened: Redis[] = [];
  const open = (redis: Redis) => {
    opened.push(redis);
    redis.on("error", () => {});
    return redis;
  };
  const kinds = {
    worker: () => open(createRedis(url(), "worker")),
    client: () => open(createRedis(url(), "client")),
    // BullMQ's blocking connections are duplicates of the one it is given.
    duplicate: () => open(open(createRedis(url(), "worker")).duplicate()),
  };
  afterAll(() => {
    for (const r of opened) r.disconnect();
  });
  for (const [kind, make] of Object.entries(kinds)) {
    it(`(${kind}) keeps working when the new master is announced while it looks the master up`, async () => {
      const subscribed = sentinel.subscriptions();
      const redis = make();
      const errors: string[] = [];
      redis.on("error", (err: Error) => errors.push(err.message));
      expect(await redis.ping()).toBe("PONG");
      // The failover detector subscribes once the connection is up.
      await waitUntil("the failover detector", () => sentinel.subscriptions() > subscribed);
      const before = sentinel.lookups();
      sentinel.announceDuringNextLookup(300);
      // The master closes the socket, as one that is killed does: the client did not ask for it.
      await admin.client("KILL", "ID", String(await redis.client("ID")));
      // Sent while it reconnects: held, then sent on the next connection.
      const queued = redis.set(`switch-race:${kind}`, "kept");
      await waitUntil("the lookup", () => sentinel.lookups() > before);
      const resubscribed = sentinel.subscriptions();
      expect(await queued).toBe("OK");
      expect(await redis.get(`switch-race:${kind}`)).toBe("kept");
      expect(redis.status).toBe("ready");
      expect(errors).not.toContain("Connection is closed.");
      // The new socket listens for the next failover again.
      await waitUntil("a new failover detector", () => sentinel.subscriptions() > resubscribed);
    });
  }
});
