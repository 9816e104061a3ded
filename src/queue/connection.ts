import type { Redis, RedisOptions } from "ioredis";
import { openRedis } from "./redis-url.js";
import { type ReplicaWait, requireReplicas } from "./replicas.js";

/**
 * BullMQ needs `maxRetriesPerRequest: null` on worker connections so blocking commands wait out
 * a Redis restart instead of failing. Producers fail a command after one failed reconnect
 * (well under a second), so the user is told at once that it was not accepted rather than
 * left waiting while Redis is down. `replicas`: see replicas.ts.
 */
/**
 * `worker`: BullMQ's blocking connections; `producer`: adding jobs; `client`: anything else that
 * may reach BullMQ; `store`: only our own stores (deploy records, audit, claims), never BullMQ.
 */
export type RedisRole = "worker" | "producer" | "client" | "store";

export function createRedis(url: string, role: RedisRole, replicas?: ReplicaWait): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: role === "worker" ? null : role === "producer" ? 1 : 2,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    connectionName: `dockops-${role}`,
    // The stores' commands issued in one turn of the event loop go out in one write: under a
    // burst the bot otherwise makes a system call (and wakes Redis) per command. Connections
    // BullMQ uses stay as BullMQ expects them.
    enableAutoPipelining: role === "store",
  };
  const redis = openRedis(url, options);
  if (replicas) requireReplicas(redis, replicas);
  return redis;
}
