import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import type { AuditEntry, AuditEvent } from "./event.js";

/** Entries kept in the stream; XADD trims with MAXLEN ~ so the bound costs nothing per write. */
export const AUDIT_RETENTION = 10_000;
/** How far back `/audit` with a filter looks. */
const SCAN_LIMIT = 2_000;

/**
 * The audit trail: an append-only Redis stream (`<prefix>:audit`) with bounded retention, and
 * the same events as pino log lines (`msg: "audit"`).
 */
export class AuditLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly log: Logger,
    private readonly retention = AUDIT_RETENTION,
  ) {
    this.key = `${prefix}:audit`;
  }

  /** Fire and forget: a Redis hiccup is logged, never thrown at the command that caused it. */
  readonly record = (event: AuditEvent): void => {
    void this.append(event).catch((err) =>
      this.log.error({ err: errorMessage(err), audit: event }, "audit entry not stored"),
    );
  };

  async append(event: AuditEvent): Promise<string> {
    this.log.info({ audit: event }, "audit");
    const id = await this.redis.xadd(
      this.key,
      "MAXLEN",
      "~",
      String(this.retention),
      "*",
      "event",
      JSON.stringify(event),
    );
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
      const json = fields[fields.indexOf("event") + 1];
      if (!json) continue;
      const event = JSON.parse(json) as AuditEvent;
      if (filter.project !== undefined && event.project !== filter.project) continue;
      if (filter.env !== undefined && event.env !== filter.env) continue;
      // `envs` (the environments the reader may see) hides entries of no environment too.
      if (filter.envs !== undefined && !filter.envs.includes(event.env ?? "")) continue;
      entries.push({ ...event, id, at: Number(id.split("-")[0]) });
      if (entries.length >= filter.count) break;
    }
    return entries;
  }
}
