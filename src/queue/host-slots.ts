import type { Redis } from "ioredis";

/**
 * Jobs that change a host (deploys, restarts, builds, prunes, exec, proxy) and reads of it are
 * counted apart: a /status must not wait behind two long deploys to the same host.
 */
export type SlotKind = "change" | "read";

/** How many jobs of each kind may run on one host at once, over every worker. */
export type SlotCaps = Record<SlotKind, number>;

// Expiry is scored on Redis's clock, so workers on machines whose clocks differ agree on it.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
`;

/**
 * KEYS: holders (zset: job id → expiry). ARGV: holder, cap, ttl. A job already holding a slot
 * (an earlier run of it whose worker died) takes it again rather than waiting for itself.
 */
const TAKE = `${NOW}
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

/** KEYS: holders. ARGV: holder, ttl. A holder that expired meanwhile is counted again: it runs. */
const RENEW = `${NOW}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * Run by a job that found no slot once it is parked: if a slot came free between its attempt
 * and its parking, it wakes itself (returns 1); otherwise it lists itself as waiting, keeping
 * its place (its creation time) if it waited before.
 * KEYS: holders, waiters (zset: job id → creation time). ARGV: job id, cap, creation time, waiters ttl.
 */
const PARKED = `${NOW}
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then return 1 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 0
`;

/**
 * Drops the holder (if any) and takes as many of the oldest waiters as there are free slots,
 * at most ARGV[3]: the caller wakes them. KEYS: holders, waiters. ARGV: holder or '', cap, most.
 */
const RELEASE = `${NOW}
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
local free = math.min(tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1]), tonumber(ARGV[3]))
if free <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[2], free)
local ids = {}
for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
return ids
`;

// Waiters of a host that stays down are kept for as long as their jobs may reasonably wait.
const WAITERS_TTL_MS = 24 * 3600_000;

/**
 * A counting semaphore per host and kind, in Redis, shared by every worker: a host whose Docker
 * daemon hangs can hold at most its cap of worker slots, never all of them. Each slot expires
 * `ttlMs` after it was taken or renewed, so a killed worker's slots come back on their own.
 * Keyed by host only, so it serves one shared queue as well as one queue per host.
 */
export class HostSlots {
  constructor(
    private readonly redis: Redis,
    readonly caps: SlotCaps,
    readonly ttlMs: number,
    private readonly prefix = "dockops",
  ) {}

  private keys(host: string, kind: SlotKind): [string, string] {
    return [`${this.prefix}:host-slots:${kind}:${host}`, `${this.prefix}:host-slot-waiters:${kind}:${host}`];
  }

  /** True when `holder` now holds a slot of `host`. */
  async take(host: string, kind: SlotKind, holder: string): Promise<boolean> {
    const [holders] = this.keys(host, kind);
    return (await this.redis.eval(TAKE, 1, holders, holder, this.caps[kind], this.ttlMs)) === 1;
  }

  async renew(host: string, kind: SlotKind, holder: string): Promise<void> {
    const [holders] = this.keys(host, kind);
    await this.redis.eval(RENEW, 1, holders, holder, this.ttlMs);
  }

  /** After parking `jobId`: true when a slot is free now and the job should wake itself. */
  async parked(host: string, kind: SlotKind, jobId: string, createdAt: number): Promise<boolean> {
    const keys = this.keys(host, kind);
    const free = await this.redis.eval(PARKED, 2, ...keys, jobId, this.caps[kind], createdAt, WAITERS_TTL_MS);
    return free === 1;
  }

  /** Gives `holder`'s slot back; returns the waiting jobs to wake, oldest first. */
  async release(host: string, kind: SlotKind, holder: string): Promise<string[]> {
    return this.pop(host, kind, holder, Number.MAX_SAFE_INTEGER);
  }

  /** Up to `most` more waiting jobs while slots are free (for waiters that could not be woken). */
  async nextWaiters(host: string, kind: SlotKind, most: number): Promise<string[]> {
    return this.pop(host, kind, "", most);
  }

  private async pop(host: string, kind: SlotKind, holder: string, most: number): Promise<string[]> {
    const keys = this.keys(host, kind);
    return (await this.redis.eval(RELEASE, 2, ...keys, holder, this.caps[kind], most)) as string[];
  }

  /** The jobs holding slots of `host` now (for tests and diagnostics). */
  async holders(host: string, kind: SlotKind): Promise<string[]> {
    const [holders] = this.keys(host, kind);
    return this.redis.zrangebyscore(holders, Date.now(), "+inf");
  }
}
