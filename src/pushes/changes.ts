import { codeTable, formatTime } from "../core/table.js";
import { shortDigest } from "../names.js";
import type { ImageInfo } from "../registry/client.js";

const SHOWN = 20;

export type ChangesInput = {
  project: string;
  env: string;
  pushedTag: string;
  /** The project's tags as the registry has them. */
  rows: readonly ImageInfo[];
  /** What the last successful deploy to the environment runs, if there was one. */
  running?: { tag: string; digest?: string };
};

type Dated = ImageInfo & { created: number };

/** Tags of one image (`v1.3, latest`) become one row; oldest first. */
function rowsOf(images: readonly Dated[]): string[][] {
  const byDigest = new Map<string, Dated[]>();
  for (const i of images) byDigest.set(i.digest, [...(byDigest.get(i.digest) ?? []), i]);
  return [...byDigest.values()]
    .map((group) => ({
      tags: group.map((g) => g.tag).sort(),
      created: group[0]?.created ?? 0,
      digest: group[0]?.digest ?? "",
    }))
    .sort((a, b) => a.created - b.created || (a.tags[0] ?? "").localeCompare(b.tags[0] ?? ""))
    .map((g) => [g.tags.join(", "), formatTime(g.created, { seconds: true }), shortDigest(g.digest)]);
}

function table(images: readonly Dated[]): string[] {
  const rows = rowsOf(images);
  const shown = rows.slice(-SHOWN);
  return [
    codeTable(["TAG", "BUILT", "DIGEST"], shown),
    ...(rows.length > shown.length ? [`and ${rows.length - shown.length} older images not shown.`] : []),
  ];
}

/**
 * What deploying the pushed tag would bring to the environment: the images built after the one
 * running there, up to the pushed one, by their build times in the registry.
 */
export function renderChanges(c: ChangesInput): string {
  const pushed = c.rows.find((r) => r.tag === c.pushedTag);
  if (!pushed) return `\`${c.project}:${c.pushedTag}\` is no longer in the registry.`;
  if (pushed.created === undefined) {
    return `The registry gives no build time for \`${c.project}:${c.pushedTag}\`, so its changes cannot be ordered.`;
  }
  const end = pushed.created;
  const dated = c.rows.filter((r): r is Dated => r.created !== undefined);
  const head = `*Changes of ${c.project} in ${c.env}* up to \`${c.pushedTag}\` (built ${formatTime(end, { seconds: true })})`;
  const running = c.running;
  const runningRow = running
    ? (c.rows.find((r) => running.digest !== undefined && r.digest === running.digest) ??
      c.rows.find((r) => r.tag === running.tag))
    : undefined;
  if (!running) {
    const upTo = dated.filter((r) => r.created <= end);
    return [
      `${head}: nothing deployed to *${c.env}* on record; the images built up to it:`,
      ...table(upTo),
    ].join("\n");
  }
  if (runningRow?.created === undefined) {
    return `${head}: *${c.env}* runs \`${running.tag}\`, which the registry no longer has (or gives no build time for), so the changes cannot be told.`;
  }
  const start = runningRow.created;
  const since = `${c.env}* runs \`${running.tag}\` (built ${formatTime(start, { seconds: true })})`;
  if (runningRow.digest === pushed.digest) return `${head}: *${since}, the same image. Nothing changes.`;
  if (end <= start) {
    const back = dated.filter((r) => r.created > end && r.created <= start);
    return [`${head}: *${since}, which is newer; deploying goes back over:`, ...table(back)].join("\n");
  }
  const between = dated.filter(
    (r) => r.created > start && r.created <= end && r.digest !== runningRow.digest,
  );
  return [`${head}: *${since}; built since then:`, ...table(between)].join("\n");
}
