import type { Redis } from "ioredis";
import { OpsError } from "../errors.js";

/** How many replicas must hold a write before it is acknowledged, and how long to wait for them. */
export type ReplicaWait = { replicas: number; timeoutMs: number };

type Policy = ReplicaWait & { connections: number };

// The policy travels with the connection, so every store writing through it honours it without
// each constructor taking one more argument.
const policies = new WeakMap<Redis, Policy>();

export function requireReplicas(redis: Redis, wait: ReplicaWait): void {
  if (wait.replicas <= 0) return;
  const policy: Policy = { ...wait, connections: 0 };
  policies.set(redis, policy);
  redis.on("connect", () => {
    policy.connections += 1;
  });
}

export function waitsForReplicas(redis: Redis): boolean {
  return policies.has(redis);
}

/** Which socket the next writes go out on; `confirmReplicated` refuses if it changed since. */
export type WriteMark = { connection: number };

export function markWrites(redis: Redis): WriteMark {
  const connections = policies.get(redis)?.connections ?? 0;
  // Not connected yet (or reconnecting): the writes will go out on the next socket.
  const pending = redis.status === "ready" || redis.status === "connect" ? 0 : 1;
  return { connection: connections + pending };
}

export type Replicated =
  | { ok: true }
  | { ok: false; copies: number; wanted: number; timeoutMs: number; reconnected: boolean };

/**
 * Redis replicates asynchronously: a master that fails over can lose writes it already answered.
 * `WAIT` blocks until the replicas hold everything this connection wrote (the replication stream
 * is one ordered log, so also every earlier write of other connections): one more round trip,
 * taken only where a person is told something was stored. `WAIT` counts this socket's writes
 * only, so a reconnect in between (a failover) proves nothing and counts as not confirmed.
 */
export async function confirmReplicated(redis: Redis, mark: WriteMark): Promise<Replicated> {
  const policy = policies.get(redis);
  if (!policy) return { ok: true };
  const copies = Number(await redis.call("WAIT", policy.replicas, policy.timeoutMs));
  const reconnected = policy.connections !== mark.connection;
  if (copies >= policy.replicas && !reconnected) return { ok: true };
  return { ok: false, copies, wanted: policy.replicas, timeoutMs: policy.timeoutMs, reconnected };
}

export function describeShortfall(r: Extract<Replicated, { ok: false }>): string {
  if (r.reconnected)
    return "the connection to Redis changed (a failover?) before a replica confirmed the write";
  return `only ${r.copies} of ${r.wanted} Redis replicas confirmed the write within ${r.timeoutMs} ms`;
}

/** A write Redis answered but could not show to be on a replica: a failover may still lose it. */
export class NotReplicatedError extends OpsError {
  constructor(what: string, r: Extract<Replicated, { ok: false }>) {
    super(
      "queue_unavailable",
      `${what} was stored, but ${describeShortfall(r)}, so a Redis failover now could still lose it; check it again in a minute`,
    );
    this.name = "NotReplicatedError";
  }
}
