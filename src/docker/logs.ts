import type Docker from "dockerode";

type Frame = { stream: "stdout" | "stderr"; text: string };

/**
 * Docker multiplexes stdout/stderr of non-TTY containers in frames with an 8-byte header
 * (stream id, 3 zero bytes, big-endian size). A TTY container sends raw text instead.
 */
export function frames(buffer: Buffer): Frame[] {
  const out: Frame[] = [];
  let offset = 0;
  while (
    offset + 8 <= buffer.length &&
    (buffer[offset] ?? 9) <= 2 &&
    buffer.readUIntBE(offset + 1, 3) === 0
  ) {
    const size = buffer.readUInt32BE(offset + 4);
    const text = buffer.subarray(offset + 8, offset + 8 + size).toString("utf8");
    out.push({ stream: buffer[offset] === 2 ? "stderr" : "stdout", text });
    offset += 8 + size;
  }
  if (offset < buffer.length) out.push({ stream: "stdout", text: buffer.subarray(offset).toString("utf8") });
  return out;
}

export function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const all = frames(buffer);
  const join = (s: Frame["stream"]) =>
    all
      .filter((f) => f.stream === s)
      .map((f) => f.text)
      .join("");
  return { stdout: join("stdout"), stderr: join("stderr") };
}

/**
 * The last lines a container printed, stdout and stderr interleaved as Docker stored them;
 * with `sinceMs`, only lines from that many milliseconds back.
 */
export async function tailLogs(
  container: Docker.Container,
  lines: number,
  opts: { sinceMs?: number } = {},
): Promise<string[]> {
  const since = opts.sinceMs === undefined ? {} : { since: Math.floor((Date.now() - opts.sinceMs) / 1000) };
  const raw = (await container.logs({
    stdout: true,
    stderr: true,
    tail: lines,
    follow: false,
    ...since,
  })) as unknown;
  const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
  return frames(buffer)
    .map((f) => f.text)
    .join("")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-lines);
}
