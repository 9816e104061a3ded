import type { Redis } from "ioredis";
import { parseEntry } from "./audit-log.js";

const PAGE = 500;

/**
 * Writes every audit entry since `sinceMs` (epoch ms), oldest first, as one JSON object per
 * line — the format log shippers and `jq` read. Pages through the stream so a year of entries
 * never sits in memory at once. Returns how many entries it wrote.
 */
export async function exportAudit(
  redis: Redis,
  prefix: string,
  sinceMs: number,
  write: (line: string) => void,
): Promise<number> {
  let start = `${Math.max(0, Math.floor(sinceMs))}-0`;
  let written = 0;
  while (true) {
    const page = await redis.xrange(`${prefix}:audit`, start, "+", "COUNT", PAGE);
    for (const [id, fields] of page) {
      const entry = parseEntry(id, fields);
      if (!entry) continue;
      write(`${JSON.stringify({ ...entry, at: new Date(entry.at).toISOString() })}\n`);
      written++;
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) return written;
    start = `(${last[0]}`;
  }
}
