import { escapeMrkdwn } from "./foreign-text.js";

/**
 * An aligned, monospace table inside a code block: it reads the same in Slack and in a terminal.
 * Cells lose backticks so a value can never close the block early; columns are padded on the
 * text as shown, then escaped for mrkdwn (Docker and registry values are foreign text).
 */
export function codeTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string) => cell.replace(/`/g, "'").replace(/[\r\n\t]+/g, " ");
  const all = [headers, ...rows].map((row) => row.map(clean));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return ["```", ...all.map((row) => escapeMrkdwn(line(row))), "```"].join("\n");
}

/** "45s", "12m", "3h05m", "2d04h": how long ago, or how long something has run. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

/** "2026-11-25 17:05 UTC": dates in chat, one fixed zone so everyone reads the same. */
export function formatTime(epochMs: number, opts: { seconds?: boolean } = {}): string {
  return `${new Date(epochMs)
    .toISOString()
    .slice(0, opts.seconds ? 19 : 16)
    .replace("T", " ")} UTC`;
}

/** "1 line", "3 lines". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "12.3 MB": image sizes in chat. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
