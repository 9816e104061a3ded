/**
 * The capacity bench's own redis-server and what it reads of it. Its own, so that the shared
 * test Redis (hundreds of thousands of other tests' keys, other sessions' clients) does not
 * count in its memory, connection and CPU figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { localFreePort, type RedisServer, startRedisServer } from "../support/redis-server.js";

/** AOF with `appendfsync always`, as docker-compose.yml runs Redis in production. */
export async function startBenchRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "capacity-redis-"));
  const server = await startRedisServer({ port: await localFreePort(), dir, fsync: "always" });
  return {
    ...server,
    kill: async () => {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RedisGauges = {
  /** used_memory less the script cache, which BullMQ fills once per Redis, not per queue. */
  usedMemory: number;
  clientMemory: number;
  clients: number;
  cpuMs: number;
  commands: number;
};

/** The INFO fields the bench compares before and after each phase. */
export async function gauges(redis: Redis): Promise<RedisGauges> {
  const text = await redis.info("everything");
  const field = (name: string) => Number(text.match(new RegExp(`^${name}:([^\\r\\n]+)`, "m"))?.[1]);
  return {
    usedMemory: field("used_memory") - field("used_memory_scripts"),
    clientMemory: field("mem_clients_normal"),
    clients: field("connected_clients"),
    cpuMs: (field("used_cpu_sys") + field("used_cpu_user")) * 1000,
    commands: field("total_commands_processed"),
  };
}

/** MEMORY USAGE of one key, all of it (a stream of thousands of entries is not sampled). */
export async function keyBytes(redis: Redis, key: string): Promise<number> {
  return Number((await redis.memory("USAGE", key, "SAMPLES", "0")) ?? 0);
}
