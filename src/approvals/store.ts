import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Plan } from "../../commands/index.js";
import type { MessageRef } from "../core/message.js";
import type { Pinned, Shown } from "./types.js";

export type { Pinned } from "./types.js";

export type ApprovalState = "pending" | "approved" | "rejected" | "expired" | "void";

export type ApprovalRequest = {
  id: string;
  plan: Plan;
  requestedBy: string;
  channel: string;
  env: string;
  createdAt: number;
  expiresAt: number;
  pinned: Pinned;
  /** What the approvers were shown, kept so every later version of the message says the same. */
  shown: Shown;
  /** The request's channel message, updated in place at every decision. */
  message?: MessageRef;
};

export type ApprovalStatus = { state: ApprovalState; by?: string; at?: number; reason?: string };

/**
 * Moves a request out of `pending` exactly once. A decision other than "expired" that arrives
 * after `expiresAt` turns into "expired". Returns the state the request is in afterwards, and
 * whether this call made the change: two approvers pressing at once get one "won" between them.
 */
const DECIDE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', '0'} end
if state ~= 'pending' then return {state, '0'} end
local decision = ARGV[1]
local now = tonumber(ARGV[3])
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if decision ~= 'expired' and now >= expiresAt then decision = 'expired' end
if decision == 'expired' and now < expiresAt then return {state, '0'} end
redis.call('HSET', KEYS[1], 'state', decision, 'by', ARGV[2], 'at', ARGV[3], 'reason', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[5])
return {decision, '1'}
`;

const RETENTION_SECONDS = 30 * 24 * 3600;

/** Approval requests in Redis: one hash per request and a sorted set of pending ones by expiry. */
export class ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:approval:${id}`;
  }

  private get pendingKey(): string {
    return `${this.prefix}:approvals:pending`;
  }

  static newId(): string {
    return randomBytes(8).toString("hex");
  }

  async create(request: ApprovalRequest): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(request.id), {
        request: JSON.stringify(request),
        state: "pending",
        expiresAt: String(request.expiresAt),
      })
      .expire(this.key(request.id), RETENTION_SECONDS)
      .zadd(this.pendingKey, request.expiresAt, request.id)
      .exec();
  }

  async setMessage(id: string, message: MessageRef): Promise<void> {
    const request = await this.get(id);
    if (!request) return;
    await this.redis.hset(this.key(id), "request", JSON.stringify({ ...request, message }));
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const raw = await this.redis.hget(this.key(id), "request");
    return raw ? (JSON.parse(raw) as ApprovalRequest) : undefined;
  }

  async status(id: string): Promise<ApprovalStatus | undefined> {
    const f = await this.redis.hgetall(this.key(id));
    if (!f.state) return undefined;
    return {
      state: f.state as ApprovalState,
      ...(f.by ? { by: f.by } : {}),
      ...(f.at ? { at: Number(f.at) } : {}),
      ...(f.reason ? { reason: f.reason } : {}),
    };
  }

  /** The atomic decision; `won` is true for exactly one caller per request. */
  async decide(
    id: string,
    decision: Exclude<ApprovalState, "pending">,
    by: string,
    reason = "",
    now = Date.now(),
  ): Promise<{ state: ApprovalState | "missing"; won: boolean }> {
    const [state, won] = (await this.redis.eval(
      DECIDE,
      2,
      this.key(id),
      this.pendingKey,
      decision,
      by,
      String(now),
      reason,
      id,
    )) as [string, string];
    return { state: state as ApprovalState | "missing", won: won === "1" };
  }

  /** Ids of pending requests whose time is up. */
  async due(now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.pendingKey, "-inf", now);
  }
}
