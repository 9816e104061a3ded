import { Redis, type RedisOptions } from "ioredis";

/**
 * BullMQ needs `maxRetriesPerRequest: null` on worker connections so blocking commands wait out
 * a Redis restart instead of failing. Producers use a bounded retry so a command can be refused
 * with a clear message rather than hang while Redis is down.
 */
export function createRedis(url: string, role: "worker" | "producer" | "client"): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === "worker" ? null : 2,
    enableOfflineQueue: role !== "producer",
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    connectionName: `dockops-${role}`,
  };
  return new Redis(url, options);
}
