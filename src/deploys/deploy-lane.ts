import type { Redis } from "ioredis";
import { type HeldLock, HostLocks } from "./host-lock.js";

/** One project in one environment on one host: the unit whose deploys never overlap. */
export type Lane = { project: string; env: string; host: string };

/** A deploy asking for its lane; `at` orders requests (the job's creation time). */
export type LaneRequest = {
  deployId: string;
  tag: string;
  at: number;
  /** False once an earlier attempt changed the host: that one must finish what it began. */
  supersedable: boolean;
  /** Listed as waiting when the lane is busy, so the holder wakes it when done. */
  waiterId: string;
};

export type Newer = { deployId: string; tag: string };

export type Claim =
  | { kind: "acquired"; lock: HeldLock }
  | { kind: "superseded"; by: Newer }
  | { kind: "busy"; holder: string | undefined };

// Long enough to outlive any queued request it must supersede; refreshed by every claim.
const NEWEST_TTL_MS = 7 * 24 * 3600_000;

/**
 * One script, so "which request is newest", "take the lock" and "list me as waiting" cannot
 * interleave with another deploy's claim or release. A lock held by the same deploy id is taken
 * over: it belongs to an earlier attempt of this very job (its worker died or lost the job), and
 * waiting for it would mean waiting for itself.
 * KEYS: newest (JSON {at, id, tag}), lock, waiters (zset of waiting job ids).
 * ARGV: at, deployId, tag, supersedable (1/0), lock token, lock ttl, newest ttl, waiter id.
 */
const CLAIM = `
local at, id = tonumber(ARGV[1]), ARGV[2]
local raw = redis.call('GET', KEYS[1])
local newest = raw and cjson.decode(raw)
if not newest or at > newest.at or (at == newest.at and id >= newest.id) then
  redis.call('SET', KEYS[1], cjson.encode({at = at, id = id, tag = ARGV[3]}), 'PX', ARGV[7])
elseif ARGV[4] == '1' then
  redis.call('ZREM', KEYS[3], ARGV[8])
  return {'superseded', newest.id, newest.tag}
end
local held = redis.call('GET', KEYS[2])
local space = held and string.find(held, ' ', 1, true)
if not held or (space and string.sub(held, space + 1) == id) then
  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6])
  redis.call('ZREM', KEYS[3], ARGV[8])
  return {'acquired'}
end
redis.call('ZADD', KEYS[3], at, ARGV[8])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
return {'busy', redis.call('GET', KEYS[2]) or ''}
`;

/** Takes the waiting list in one step, so two releasers never wake the same waiters twice. */
const TAKE_WAITERS = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return ids
`;

/**
 * Deploys of one lane run one at a time, and a newer request supersedes older ones that have not
 * started: whatever order workers pick jobs in, the host ends on the newest request. A deploy
 * that finds the lane busy does not wait in its worker slot; it is listed as waiting and the
 * holder wakes the waiting jobs when it releases the lane. Keyed by lane only, so the same
 * module serves one shared queue or one queue per host.
 */
export class DeployLanes {
  constructor(
    private readonly redis: Redis,
    private readonly locks: HostLocks,
    private readonly prefix = "dockops",
  ) {}

  private keys(lane: Lane): [string, string, string] {
    const id = `${lane.project}:${lane.env}:${lane.host}`;
    return [
      `${this.prefix}:lane-newest:${id}`,
      this.locks.key(lane.project, lane.env, lane.host),
      `${this.prefix}:lane-waiters:${id}`,
    ];
  }

  async claim(lane: Lane, req: LaneRequest): Promise<Claim> {
    const keys = this.keys(lane);
    const token = HostLocks.token(req.deployId);
    const [kind, a, b] = (await this.redis.eval(
      CLAIM,
      keys.length,
      ...keys,
      req.at,
      req.deployId,
      req.tag,
      req.supersedable ? "1" : "0",
      token,
      this.locks.ttl,
      NEWEST_TTL_MS,
      req.waiterId,
    )) as [string, string?, string?];
    if (kind === "acquired") return { kind, lock: this.locks.hold(keys[1], token) };
    if (kind === "superseded") return { kind, by: { deployId: a ?? "?", tag: b ?? "?" } };
    return { kind: "busy", holder: a ? a.split(" ")[1] : undefined };
  }

  /** The deploy id holding the lane now, if any. */
  async holder(lane: Lane): Promise<string | undefined> {
    return this.locks.holder(lane.project, lane.env, lane.host);
  }

  /** Whether anyone holds the lane now (a waiter that just parked itself checks this). */
  async isFree(lane: Lane): Promise<boolean> {
    return (await this.redis.exists(this.keys(lane)[1])) === 0;
  }

  /** The ids of the jobs waiting for the lane, removed from the list: the caller wakes them. */
  async takeWaiters(lane: Lane): Promise<string[]> {
    return (await this.redis.eval(TAKE_WAITERS, 1, this.keys(lane)[2])) as string[];
  }
}
