import type { HistoryPlan } from "../../commands/history.js";
import { type DeployRecord, type DeployStore, isFinal } from "../deploys/store.js";
import { formatDuration } from "../fleet/duration.js";
import { mention } from "./mention.js";
import { ephemeral, type Reply } from "./message.js";
import { versionText } from "./render-deploy.js";
import { formatTime } from "./table.js";

/** The outcome of a whole deploy, from its hosts' states. */
export function deployOutcome(record: DeployRecord): string {
  const states = record.meta.hosts.map((h) => record.hosts[h]?.state ?? "queued");
  const failed = states.filter((s) => s === "failed").length;
  if (!states.every(isFinal)) return ":arrows_counterclockwise: in progress";
  if (states.every((s) => s === "superseded")) return ":fast_forward: superseded by a newer deploy";
  if (failed === 0) return ":white_check_mark: succeeded";
  if (failed === states.length) return ":x: failed";
  return `:warning: failed on ${failed} of ${states.length} hosts`;
}

export function renderHistoryLine(record: DeployRecord): string {
  const { meta } = record;
  const statuses = meta.hosts.map((h) => record.hosts[h]).filter((s) => s !== undefined);
  const digests = [
    ...new Set(statuses.filter((s) => Boolean(s.digest)).map((s) => versionText(s.digest ?? "", s.commit))),
  ];
  const starts = statuses.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
  const ends = statuses.map((s) => s.finishedAt).filter((t): t is number => t !== undefined);
  const took =
    ends.length === statuses.length && ends.length > 0
      ? ` in ${formatDuration(Math.max(...ends) - Math.min(meta.createdAt, ...starts))}`
      : "";
  const digest = digests.length > 0 ? ` (${digests.map((d) => `\`${d}\``).join(", ")})` : "";
  return `• ${formatTime(meta.createdAt)} — ${mention(meta.requestedBy)} deployed *${meta.tag}*${digest} to ${meta.hosts.join(", ")} — ${deployOutcome(record)}${took} · \`${meta.id}\``;
}

export function renderHistory(plan: HistoryPlan, records: readonly DeployRecord[]): string {
  if (records.length === 0) return `No deploys of *${plan.project}* to *${plan.env}* on record.`;
  return [
    records.length === 1
      ? `*Last deploy of ${plan.project} to ${plan.env}*:`
      : `*Last ${records.length} deploys of ${plan.project} to ${plan.env}*, newest first:`,
    ...records.map(renderHistoryLine),
  ].join("\n");
}

export class HistoryService {
  constructor(private readonly store: DeployStore) {}

  async history(plan: HistoryPlan): Promise<Reply> {
    const records = await this.store.history(plan.project, plan.env, plan.count);
    return ephemeral(renderHistory(plan, records));
  }
}
