import type { ImagesPlan } from "../../commands/images.js";
import { mapLimit } from "../concurrency.js";
import type { FleetReader, HostSnapshot } from "../docker/snapshot.js";
import { errorMessage } from "../errors.js";
import { shortDigest } from "../names.js";
import type { ImageInfo, RegistryClient } from "../registry/client.js";
import { ephemeral, type Reply } from "./message.js";
import { codeTable, formatTime } from "./table.js";

/** Tags looked up at most; each costs two registry requests. */
export const MAX_TAGS = 100;
const SHOWN = 30;
const IN_FLIGHT = 6;

export type ImagesDeps = {
  registry: Pick<RegistryClient, "listTags" | "imageInfo">;
  read: FleetReader;
  timeoutMs: number;
};

type TagRow = ImageInfo | { tag: string; error: string };

/** Where each digest runs: "beta@serverA" for every running container of the project. */
export function deployedAt(snapshots: readonly HostSnapshot[]): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const snap of snapshots) {
    if (!snap.reachable) continue;
    for (const c of snap.managed) {
      if (c.state !== "running" || !c.digest) continue;
      const place = `${c.env}@${snap.host}`;
      const list = where.get(c.digest) ?? [];
      if (!list.includes(place)) where.set(c.digest, [...list, place]);
    }
  }
  return where;
}

export function renderImages(
  plan: ImagesPlan,
  rows: readonly TagRow[],
  snapshots: readonly HostSnapshot[],
  total: number,
): string {
  if (total === 0) return `No tags of \`${plan.image}\` in the registry; push one first.`;
  const where = deployedAt(snapshots);
  const created = (r: TagRow) => ("created" in r && r.created !== undefined ? r.created : -1);
  const sorted = [...rows].sort((a, b) => created(b) - created(a) || a.tag.localeCompare(b.tag));
  const table = sorted.slice(0, SHOWN).map((r) => {
    if ("error" in r) return [`  ${r.tag}`, "?", "?", `(${r.error})`];
    const places = where.get(r.digest) ?? [];
    return [
      places.length > 0 ? `* ${r.tag}` : `  ${r.tag}`,
      r.created !== undefined ? formatTime(r.created, { seconds: true }) : "?",
      shortDigest(r.digest),
      places.join(", ") || "—",
    ];
  });
  const lines = [
    `*Images of ${plan.project}* (\`${plan.image}\`), newest first; \`*\` = running somewhere:`,
    codeTable(["  TAG", "BUILT", "DIGEST", "RUNNING IN"], table),
  ];
  if (total > sorted.length || sorted.length > SHOWN) {
    lines.push(`Showing ${Math.min(SHOWN, sorted.length)} of ${total} tags.`);
  }
  const unreachable = snapshots.filter((s) => !s.reachable).map((s) => s.host);
  if (unreachable.length > 0)
    lines.push(`:warning: Could not read ${unreachable.join(", ")}; what runs there is not shown.`);
  return lines.join("\n");
}

export class ImagesService {
  constructor(private readonly deps: ImagesDeps) {}

  async images(plan: ImagesPlan): Promise<Reply> {
    const { registry, read, timeoutMs } = this.deps;
    const [tags, snapshots] = await Promise.all([
      registry.listTags(plan.image),
      read(plan.hosts, { timeoutMs, project: plan.project }),
    ]);
    const rows = await mapLimit(tags.slice(0, MAX_TAGS), IN_FLIGHT, (tag) =>
      registry
        .imageInfo(plan.image, tag)
        .catch((err): TagRow => ({ tag, error: errorMessage(err).slice(0, 60) })),
    );
    return ephemeral(renderImages(plan, rows, snapshots, tags.length));
  }
}
