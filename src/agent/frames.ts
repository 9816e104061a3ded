import type { Redis } from "ioredis";

/**
 * What travels between a relay and an agent, one Redis stream entry each: a tunnel is one
 * connection to the host's Docker socket, and its bytes pass through unchanged, so every Docker
 * call (streams, exec sessions, event feeds included) works through an agent as it does over a
 * socket.
 */
export type Frame =
  | { kind: "open"; tunnel: string; reply: string }
  | { kind: "data"; tunnel: string; data: Buffer }
  | { kind: "end"; tunnel: string }
  | { kind: "error"; tunnel: string; message: string };

/** A stream nobody reads any more (its reader died) stops growing past this many entries. */
const MAX_ENTRIES = "10000";

export function sendFrame(redis: Redis, key: string, frame: Frame): Promise<unknown> {
  const fields: Array<string | Buffer> = ["t", frame.tunnel, "k", frame.kind];
  if (frame.kind === "open") fields.push("r", frame.reply);
  if (frame.kind === "data") fields.push("d", frame.data);
  if (frame.kind === "error") fields.push("d", frame.message);
  return redis.xadd(key, "MAXLEN", "~", MAX_ENTRIES, "*", ...fields);
}

type RawEntry = [Buffer, Buffer[]];
type RawRead = Array<[Buffer, RawEntry[]]> | null;

/** One frame from a stream entry's fields; undefined for an entry this version does not know. */
export function parseFrame(fields: Buffer[]): Frame | undefined {
  const get = (name: string): Buffer | undefined => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]?.toString() === name) return fields[i + 1];
    return undefined;
  };
  const tunnel = get("t")?.toString();
  const kind = get("k")?.toString();
  if (!tunnel) return undefined;
  if (kind === "open") {
    const reply = get("r")?.toString();
    return reply ? { kind, tunnel, reply } : undefined;
  }
  if (kind === "data") return { kind, tunnel, data: get("d") ?? Buffer.alloc(0) };
  if (kind === "end") return { kind, tunnel };
  if (kind === "error") return { kind, tunnel, message: get("d")?.toString() ?? "" };
  return undefined;
}

/**
 * Reads the streams from the ids after `last` (updated in place), waiting up to `blockMs`;
 * returns each stream's frames in order. Entries read are trimmed: each stream has one reader.
 */
export async function readFrames(
  reader: Redis,
  trimmer: Redis,
  last: Map<string, string>,
  blockMs: number,
): Promise<Array<{ key: string; frame: Frame }>> {
  const keys = [...last.keys()];
  const raw = (await reader.xreadBuffer(
    "BLOCK",
    blockMs,
    "STREAMS",
    ...keys,
    ...keys.map((k) => last.get(k) ?? "0-0"),
  )) as RawRead;
  const out: Array<{ key: string; frame: Frame }> = [];
  for (const [keyBuf, entries] of raw ?? []) {
    const key = keyBuf.toString();
    let lastId: string | undefined;
    for (const [id, fields] of entries) {
      lastId = id.toString();
      const frame = parseFrame(fields);
      if (frame) out.push({ key, frame });
    }
    if (lastId) {
      last.set(key, lastId);
      // Everything before the newest entry has been read; the newest goes with the next trim.
      void trimmer.xtrim(key, "MINID", lastId).catch(() => {});
    }
  }
  return out;
}
