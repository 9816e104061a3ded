import type { Redis, RedisOptions } from "ioredis";
import { openRedis } from "./redis-url.js";
import { type ReplicaWait, requireReplicas } from "./replicas.js";

/**
 * BullMQ needs `maxRetriesPerRequest: null` on worker connections so blocking commands wait out
 * a Redis restart instead of failing. Producers fail a command after one failed reconnect
 * (well under a second), so the user is told at once that it was not accepted rather than
 * left waiting while Redis is down. `replicas`: see replicas.ts.
 */
export function createRedis(
  url: string,
  role: "worker" | "producer" | "client",
  replicas?: ReplicaWait,
): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === "worker" ? null : role === "producer" ? 1 : 2,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    connectionName: `dockops-${role}`,
  };
  const redis = openRedis(url, options);
  if (replicas) requireReplicas(redis, replicas);
  return redis;
}
