import type { Redis } from "ioredis";
import type { TunnelSeal } from "./tunnel-seal.js";

/**
 * What travels between a relay and an agent, one Redis stream entry each: a tunnel is one
 * connection to the host's Docker socket, and its bytes pass through unchanged, so every Docker
 * call (streams, exec sessions, event feeds included) works through an agent as it does over a
 * socket. Each entry: `t` tunnel id, `k` kind, `d` the sealed payload (tunnel-seal.ts).
 */
export type Frame =
  | { kind: "open"; tunnel: string; reply: string }
  | { kind: "data"; tunnel: string; data: Buffer }
  | { kind: "end"; tunnel: string }
  | { kind: "error"; tunnel: string; message: string };

/** A stream nobody reads any more (its reader died) stops growing past this many entries. */
const MAX_ENTRIES = "10000";

const aad = (stream: string, tunnel: string, kind: string) => `${stream}\u0000${tunnel}\u0000${kind}`;

function payload(frame: Frame): Buffer {
  if (frame.kind === "open") return Buffer.from(frame.reply, "utf8");
  if (frame.kind === "data") return frame.data;
  if (frame.kind === "error") return Buffer.from(frame.message, "utf8");
  return Buffer.alloc(0);
}

export function sendFrame(redis: Redis, stream: string, frame: Frame, seal: TunnelSeal): Promise<unknown> {
  const sealed = seal.seal(payload(frame), aad(stream, frame.tunnel, frame.kind));
  return redis.xadd(stream, "MAXLEN", "~", MAX_ENTRIES, "*", "t", frame.tunnel, "k", frame.kind, "d", sealed);
}

/**
 * One frame from a stream entry's fields; undefined for an entry this version does not know or
 * that does not open with the stream's key.
 */
export function parseFrame(stream: string, fields: Buffer[], seal: TunnelSeal): Frame | undefined {
  const get = (name: string): Buffer | undefined => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]?.toString() === name) return fields[i + 1];
    return undefined;
  };
  const tunnel = get("t")?.toString();
  const kind = get("k")?.toString();
  const sealed = get("d");
  if (!tunnel || !kind || !sealed) return undefined;
  const plain = seal.open(sealed, aad(stream, tunnel, kind));
  if (!plain) return undefined;
  if (kind === "open") return { kind, tunnel, reply: plain.toString("utf8") };
  if (kind === "data") return { kind, tunnel, data: plain };
  if (kind === "end") return { kind, tunnel };
  if (kind === "error") return { kind, tunnel, message: plain.toString("utf8") };
  return undefined;
}

type RawEntry = [Buffer, Buffer[]];
type RawRead = Array<[Buffer, RawEntry[]]> | null;

/**
 * Reads the streams from the ids after `last` (updated in place), waiting up to `blockMs`;
 * returns each stream's frames in order, and how many entries did not open. Entries read are
 * trimmed: each stream has one reader.
 */
export async function readFrames(
  reader: Redis,
  trimmer: Redis,
  last: Map<string, string>,
  blockMs: number,
  sealOf: (stream: string) => TunnelSeal | undefined,
): Promise<{ frames: Array<{ stream: string; frame: Frame }>; refused: number }> {
  const keys = [...last.keys()];
  const raw = (await reader.xreadBuffer(
    "BLOCK",
    blockMs,
    "STREAMS",
    ...keys,
    ...keys.map((k) => last.get(k) ?? "0-0"),
  )) as RawRead;
  const frames: Array<{ stream: string; frame: Frame }> = [];
  let refused = 0;
  for (const [keyBuf, entries] of raw ?? []) {
    const stream = keyBuf.toString();
    const seal = sealOf(stream);
    let lastId: string | undefined;
    for (const [id, fields] of entries) {
      lastId = id.toString();
      const frame = seal ? parseFrame(stream, fields, seal) : undefined;
      if (frame) frames.push({ stream, frame });
      else refused++;
    }
    if (lastId) {
      last.set(stream, lastId);
      // Everything before the newest entry has been read; the newest goes with the next trim.
      void trimmer.xtrim(stream, "MINID", lastId).catch(() => {});
    }
  }
  return { frames, refused };
}
