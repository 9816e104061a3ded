import type { Redis } from "ioredis";
import type { TunnelSeal } from "./tunnel-seal.js";

/**
 * What travels between a relay and an agent, one Redis stream entry each: a tunnel is one
 * connection to the host's Docker socket, and its bytes pass through unchanged, so every Docker
 * call (streams, exec sessions, event feeds included) works through an agent as it does over a
 * socket. Each entry: `t` tunnel id, `k` kind, `s` its number in the tunnel's direction, `d` the
 * sealed payload (tunnel-seal.ts). The number is sealed in too: a frame taken from a stream and
 * added again (by anyone who can write to Redis) arrives out of turn and is dropped.
 */
export type Frame =
  /** `at`: when the relay opened it (its clock), so an old open cannot be replayed. */
  | { kind: "open"; tunnel: string; reply: string; at: number }
  | { kind: "data"; tunnel: string; data: Buffer }
  | { kind: "end"; tunnel: string }
  | { kind: "error"; tunnel: string; message: string };

/** A stream nobody reads any more (its reader died) stops growing past this many entries. */
const MAX_ENTRIES = "10000";

const aad = (stream: string, tunnel: string, kind: string, seq: string) =>
  `${stream}\u0000${tunnel}\u0000${kind}\u0000${seq}`;

function payload(frame: Frame): Buffer {
  if (frame.kind === "open") return Buffer.from(`${frame.at}\n${frame.reply}`, "utf8");
  if (frame.kind === "data") return frame.data;
  if (frame.kind === "error") return Buffer.from(frame.message, "utf8");
  return Buffer.alloc(0);
}

export function sendFrame(
  redis: Redis,
  stream: string,
  frame: Frame,
  seal: TunnelSeal,
  seq: number,
): Promise<unknown> {
  const n = String(seq);
  const sealed = seal.seal(payload(frame), aad(stream, frame.tunnel, frame.kind, n));
  const fields = ["t", frame.tunnel, "k", frame.kind, "s", n, "d", sealed];
  return redis.xadd(stream, "MAXLEN", "~", MAX_ENTRIES, "*", ...fields);
}

export type Received = { frame: Frame; seq: number };

/**
 * One frame from a stream entry's fields; undefined for an entry this version does not know or
 * that does not open with the stream's key.
 */
export function parseFrame(stream: string, fields: Buffer[], seal: TunnelSeal): Received | undefined {
  const get = (name: string): Buffer | undefined => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]?.toString() === name) return fields[i + 1];
    return undefined;
  };
  const tunnel = get("t")?.toString();
  const kind = get("k")?.toString();
  const n = get("s")?.toString() ?? "";
  const sealed = get("d");
  if (!tunnel || !kind || !sealed || !/^\d{1,15}$/.test(n)) return undefined;
  const plain = seal.open(sealed, aad(stream, tunnel, kind, n));
  if (!plain) return undefined;
  const frame = frameOf(kind, tunnel, plain);
  return frame ? { frame, seq: Number(n) } : undefined;
}

function frameOf(kind: string, tunnel: string, plain: Buffer): Frame | undefined {
  if (kind === "open") {
    const text = plain.toString("utf8");
    const cut = text.indexOf("\n");
    return { kind, tunnel, at: Number(text.slice(0, cut)), reply: text.slice(cut + 1) };
  }
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
): Promise<{ frames: Array<Received & { stream: string }>; refused: number }> {
  const keys = [...last.keys()];
  const raw = (await reader.xreadBuffer(
    "BLOCK",
    blockMs,
    "STREAMS",
    ...keys,
    ...keys.map((k) => last.get(k) ?? "0-0"),
  )) as RawRead;
  const frames: Array<Received & { stream: string }> = [];
  let refused = 0;
  for (const [keyBuf, entries] of raw ?? []) {
    const stream = keyBuf.toString();
    const seal = sealOf(stream);
    let lastId: string | undefined;
    for (const [id, fields] of entries) {
      lastId = id.toString();
      const got = seal ? parseFrame(stream, fields, seal) : undefined;
      if (got) frames.push({ stream, ...got });
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
