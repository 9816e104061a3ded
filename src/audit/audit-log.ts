import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import type { AuditEntry, AuditEvent } from "./event.js";
import { AUDIT_RETENTION_MS } from "./retention.js";

/** How far back `/audit` with a filter looks. */
const SCAN_LIMIT = 2_000;
/** How long an event's claim lasts: far longer than bots take to read the same queue event. */
const CLAIM_MS = 24 * 3_600_000;

/**
 * Appends one entry, trimming by age (MINID ~, so trimming costs nothing per write). With a
 * claim key, the entry is written only by whoever sets the claim first: several bots see the
 * same queue event and must leave one entry between them.
 */
const APPEND = `
if KEYS[2] ~= '' and not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then return false end
return redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'event', ARGV[2])`;

/**
 * The audit trail: an append-only Redis stream (`<prefix>:audit`) kept for `retentionMs` by
 * entry age — not by count, so a flood of cheap commands cannot push old entries out — and the
 * same events as pino log lines (`msg: "audit"`).
 */
export class AuditLog {
  private readonly key: string;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
    private readonly retentionMs = AUDIT_RETENTION_MS,
  ) {
    this.prefix = prefix;
    this.key = `${prefix}:audit`;
  }

  /**
   * Fire and forget: a Redis hiccup is logged, never thrown at the command that caused it. The
   * write goes out in the next turn of the event loop, so a command's entry never delays its
   * acknowledgement (entries recorded in one turn keep their order).
   */
  readonly record = (event: AuditEvent): void => {
    setImmediate(() => {
      void this.append(event).catch((err) =>
        this.log.error({ err: errorMessage(err), audit: event }, "audit entry not stored"),
      );
    });
  };

  /**
   * Like `record`, for an event every bot process sees (a queue event): `eventId` names it, and
   * only the first process to claim it writes the entry and the log line.
   */
  readonly recordOnce = (eventId: string, event: AuditEvent): void => {
    void this.append(event, eventId).catch((err) =>
      this.log.error({ err: errorMessage(err), audit: event }, "audit entry not stored"),
    );
  };

  /** The new entry's ID, or "" when another process already recorded this event. */
  async append(event: AuditEvent, eventId?: string): Promise<string> {
    const claim = eventId === undefined ? "" : `${this.prefix}:audit-claim:${eventId}`;
    const minId = String(Math.max(0, Date.now() - this.retentionMs));
    const id = (await this.redis.eval(
      APPEND,
      2,
      this.key,
      claim,
      minId,
      JSON.stringify(event),
      String(CLAIM_MS),
    )) as string | null;
    if (id) this.log.info({ audit: event }, "audit");
    return id ?? "";
  }

  /** The newest `count` entries, newest first, optionally for one project and/or environment. */
  async latest(filter: {
    project?: string;
    env?: string;
    envs?: string[];
    count: number;
  }): Promise<AuditEntry[]> {
    const filtered = filter.project !== undefined || filter.env !== undefined || filter.envs !== undefined;
    const raw = await this.redis.xrevrange(this.key, "+", "-", "COUNT", filtered ? SCAN_LIMIT : filter.count);
    const entries: AuditEntry[] = [];
    for (const [id, fields] of raw) {
      const event = parseEntry(id, fields);
      if (!event) continue;
      if (filter.project !== undefined && event.project !== filter.project) continue;
      if (filter.env !== undefined && event.env !== filter.env) continue;
      // `envs` (the environments the reader may see) hides entries of no environment too.
      if (filter.envs !== undefined && !filter.envs.includes(event.env ?? "")) continue;
      entries.push(event);
      if (entries.length >= filter.count) break;
    }
    return entries;
  }
}

/** One stream entry as an `AuditEntry` (`at` is the entry's time, from its ID). */
export function parseEntry(id: string, fields: string[]): AuditEntry | undefined {
  const json = fields[fields.indexOf("event") + 1];
  if (!json) return undefined;
  return { ...(JSON.parse(json) as AuditEvent), id, at: Number(id.split("-")[0]) };
}
