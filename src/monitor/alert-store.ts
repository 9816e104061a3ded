import type { Redis } from "ioredis";
import { z } from "zod";

export const ALERT_KINDS = [
  "exited",
  "unhealthy",
  "restart-loop",
  "host-down",
  "missing",
  "digest",
  "port",
  "memory",
  "cpu",
  "disk",
  "proxy",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const itemSchema = z.object({
  /** The condition: the same key is never open twice, whichever monitor saw it. */
  key: z.string(),
  kind: z.enum(ALERT_KINDS),
  host: z.string(),
  project: z.string().optional(),
  env: z.string().optional(),
  containerId: z.string().optional(),
  containerName: z.string().optional(),
  /** One line of mrkdwn: what happened. */
  detail: z.string(),
  /** Last log lines or health-check output, already masked. */
  output: z.array(z.string()).optional(),
  /** Resource alerts: the recent readings as one line (a sparkline and the first and last value). */
  trend: z.string().optional(),
  /** When Docker saw it (the event time), for latency and "resolved after". */
  eventAt: z.number(),
  resolvedAt: z.number().optional(),
});
export type AlertItem = z.infer<typeof itemSchema>;

const metaSchema = z.object({
  id: z.string(),
  channel: z.string(),
  ts: z.string(),
  host: z.string(),
  env: z.string().optional(),
  openedAt: z.number(),
  postedAt: z.number(),
});
export type AlertMeta = z.infer<typeof metaSchema>;
export type AlertRecord = { meta: AlertMeta; items: AlertItem[] };

export type Silence = { project: string; env: string; until: number; by: string };

const RETENTION_SECONDS = 30 * 24 * 3600;
/** How long a recovery is remembered to reject stale observations of the condition. */
const RESOLVED_MEMORY_MS = 10 * 60_000;

/**
 * Opens a condition unless it is open or the observation predates its last recovery. One script,
 * because a check-then-set could read "not recovered" just before another monitor closes the
 * condition and then open it again from that stale observation.
 */
const CLAIM = `
local resolved = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[2]) <= resolved then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX') then return 1 end
return 0`;

/** Records the recovery and closes the condition in one step; returns the alert id it was open in. */
const CLOSE = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
return id`;

/**
 * Alerts in Redis. `cond:<key>` holds the id of the alert a condition is open in; it is created
 * with SET NX, so when several monitors see the same thing only the first one posts, and deleted
 * by whoever resolves it first. Each alert is a hash (`meta`, one `item:<key>` per condition)
 * so monitors updating different conditions of one alert never overwrite each other.
 */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  private cond(key: string): string {
    return `${this.prefix}:alert-cond:${key}`;
  }
  private alertKey(id: string): string {
    return `${this.prefix}:alert:${id}`;
  }
  private get openSet(): string {
    return `${this.prefix}:alerts:open`;
  }
  /** Alert ids scored by when they opened, for reports over a window. */
  private get byTime(): string {
    return `${this.prefix}:alerts:by-time`;
  }
  private get silenceHash(): string {
    return `${this.prefix}:silences`;
  }

  private resolvedKey(key: string): string {
    return `${this.prefix}:alert-resolved:${key}`;
  }

  /**
   * True when this caller opened the condition (it was not open). An observation older than the
   * condition's last recovery is stale (a reconcile that listed containers just before it healed)
   * and opens nothing.
   */
  async claim(key: string, alertId: string, observedAt: number): Promise<boolean> {
    const won = await this.redis.eval(CLAIM, 2, this.resolvedKey(key), this.cond(key), alertId, observedAt);
    return won === 1;
  }

  /**
   * Whether `monitorId` leads alert batches for `group` (host+env) now: the first monitor to see
   * an event there posts the group; the others hold back, so no two monitors split one flood.
   */
  async lead(group: string, monitorId: string, ttlMs: number): Promise<boolean> {
    const key = `${this.prefix}:alert-batch:${group}`;
    if ((await this.redis.set(key, monitorId, "PX", ttlMs, "NX")) === "OK") return true;
    if ((await this.redis.get(key)) !== monitorId) return false;
    await this.redis.pexpire(key, ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    await this.redis.del(this.cond(key));
  }

  async openIdFor(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.cond(key))) ?? undefined;
  }

  /** Closes the condition; returns its alert id to the one caller that closed it. */
  async close(key: string): Promise<string | undefined> {
    const id = await this.redis.eval(
      CLOSE,
      2,
      this.cond(key),
      this.resolvedKey(key),
      Date.now(),
      RESOLVED_MEMORY_MS,
    );
    return typeof id === "string" ? id : undefined;
  }

  async save(meta: AlertMeta, items: AlertItem[]): Promise<void> {
    const fields = Object.fromEntries(
      items.map((i) => [`item:${i.key}`, JSON.stringify(itemSchema.parse(i))]),
    );
    await this.redis
      .multi()
      .hset(this.alertKey(meta.id), { meta: JSON.stringify(meta), ...fields })
      .expire(this.alertKey(meta.id), RETENTION_SECONDS)
      .sadd(this.openSet, meta.id)
      .zadd(this.byTime, meta.openedAt, meta.id)
      .zremrangebyscore(this.byTime, 0, meta.openedAt - RETENTION_SECONDS * 1000)
      .exec();
  }

  /** Alerts opened at or after `from` (alerts expire after 30 days). */
  async openedSince(from: number): Promise<AlertRecord[]> {
    const ids = await this.redis.zrangebyscore(this.byTime, from, "+inf");
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is AlertRecord => r !== undefined);
  }

  async putItem(id: string, item: AlertItem): Promise<void> {
    await this.redis.hset(this.alertKey(id), `item:${item.key}`, JSON.stringify(itemSchema.parse(item)));
  }

  /** Claims the one-time escalation of a condition (e.g. exited → restart loop). */
  async claimEscalation(key: string, kind: AlertKind): Promise<boolean> {
    return (
      (await this.redis.set(
        `${this.prefix}:alert-escalated:${kind}:${key}`,
        "1",
        "EX",
        RETENTION_SECONDS,
        "NX",
      )) === "OK"
    );
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const fields = await this.redis.hgetall(this.alertKey(id));
    if (!fields.meta) return undefined;
    const items = Object.entries(fields)
      .filter(([f]) => f.startsWith("item:"))
      .map(([, v]) => itemSchema.parse(JSON.parse(v)))
      .sort((a, b) => a.eventAt - b.eventAt);
    return { meta: metaSchema.parse(JSON.parse(fields.meta)), items };
  }

  async markClosed(id: string): Promise<void> {
    await this.redis.srem(this.openSet, id);
  }

  async openAlerts(): Promise<AlertRecord[]> {
    const ids = await this.redis.smembers(this.openSet);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records
      .filter((r): r is AlertRecord => r !== undefined)
      .sort((a, b) => a.meta.openedAt - b.meta.openedAt);
  }

  async silence(project: string, env: string, ms: number, by: string, now = Date.now()): Promise<void> {
    const field = `${project}:${env}`;
    if (ms <= 0) await this.redis.hdel(this.silenceHash, field);
    else
      await this.redis.hset(this.silenceHash, field, JSON.stringify({ project, env, until: now + ms, by }));
  }

  async silenced(project: string, env: string, now = Date.now()): Promise<Silence | undefined> {
    const raw = await this.redis.hget(this.silenceHash, `${project}:${env}`);
    const silence = raw ? (JSON.parse(raw) as Silence) : undefined;
    return silence && silence.until > now ? silence : undefined;
  }

  async silences(now = Date.now()): Promise<Silence[]> {
    const all = Object.values(await this.redis.hgetall(this.silenceHash)).map(
      (v) => JSON.parse(v) as Silence,
    );
    return all.filter((s) => s.until > now).sort((a, b) => a.until - b.until);
  }

  /**
   * Records one `die` of a container and returns how many fell within `windowMs`. Kept in Redis
   * (member = the event's time, so two monitors seeing the same event count it once), so a
   * restart loop is still recognised after a monitor restarts.
   */
  async recordDie(host: string, containerId: string, at: number, windowMs: number): Promise<number> {
    const key = `${this.prefix}:dies:${host}:${containerId}`;
    const result = await this.redis
      .multi()
      .zadd(key, at, String(at))
      .zremrangebyscore(key, 0, at - windowMs)
      .zcard(key)
      .pexpire(key, windowMs)
      .exec();
    return Number(result?.[2]?.[1] ?? 1);
  }
}
