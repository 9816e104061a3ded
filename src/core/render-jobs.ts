import type { DeployRecord } from "../deploys/store.js";
import { formatDuration } from "../fleet/duration.js";
import { shortDigest } from "../names.js";
import type { JobView } from "../queue/job-view.js";
import { foreignBlock, foreignText } from "./foreign-text.js";
import { formatAge, formatTime } from "./table.js";

const ICON: Record<string, string> = {
  active: ":arrows_counterclockwise:",
  waiting: ":hourglass:",
  delayed: ":hourglass:",
  prioritized: ":hourglass:",
  completed: ":white_check_mark:",
  failed: ":x:",
};

function jobLine(j: JobView, now: number): string {
  const who = j.requestedBy ? ` — <@${j.requestedBy}>` : "";
  const when =
    j.finishedAt !== undefined
      ? `finished ${formatAge(now - j.finishedAt)} ago`
      : j.startedAt !== undefined
        ? `started ${formatAge(now - j.startedAt)} ago${j.step ? `, ${j.step}` : ""}`
        : `queued ${formatAge(now - j.queuedAt)} ago`;
  const why =
    j.state === "failed" && j.failedReason ? ` — ${j.failedReason.split("\n")[0]?.slice(0, 120)}` : "";
  return `${ICON[j.state] ?? "•"} \`${j.id}\` ${j.state} — ${j.what}${who} — ${when}${why}`;
}

export function renderJobs(
  groups: { active: JobView[]; queued: JobView[]; finished: JobView[] },
  now: number,
): string {
  const section = (title: string, jobs: JobView[], none: string) => [
    `*${title}*`,
    ...(jobs.length > 0 ? jobs.map((j) => jobLine(j, now)) : [`_${none}_`]),
  ];
  return [
    ...section("Running", groups.active, "nothing running"),
    ...section("Queued", groups.queued, "nothing queued"),
    ...section(`Last ${groups.finished.length} finished`, groups.finished, "nothing finished yet"),
    "`/job <id>` shows one job; `/cancel <id>` removes one that has not started.",
  ].join("\n");
}

function deployLines(record: DeployRecord, host: string): string[] {
  const s = record.hosts[host];
  if (!s) return [];
  const parts = [`Deploy \`${record.meta.id}\` on ${host}: ${s.state}`];
  if (s.step) parts.push(`step: ${s.step}`);
  if (s.digest) parts.push(`digest \`${shortDigest(s.digest)}\``);
  if (s.containerName) parts.push(`container \`${s.containerName}\``);
  const lines = [parts.join(" · ")];
  if (s.error) lines.push(`Error: ${foreignText(s.error.split("\n")[0] ?? "")}`);
  return lines;
}

export function renderJob(j: JobView, logs: string[], record: DeployRecord | undefined): string {
  const who = j.requestedBy ? `, requested by <@${j.requestedBy}>` : "";
  const times = [`queued ${formatTime(j.queuedAt)}`];
  if (j.startedAt) times.push(`started ${formatTime(j.startedAt)}`);
  if (j.finishedAt) times.push(`finished ${formatTime(j.finishedAt)}`);
  if (j.startedAt && j.finishedAt) times.push(`took ${formatDuration(j.finishedAt - j.startedAt)}`);
  const lines = [
    `${ICON[j.state] ?? "•"} *Job \`${j.id}\`* — ${j.what}${who}`,
    `State: ${j.state} (attempt ${Math.max(j.attempts, j.state === "active" ? 1 : 0)} of ${j.maxAttempts}) · ${times.join(" · ")}`,
  ];
  if (j.step && j.state === "active") lines.push(`Step: ${j.step}`);
  if (record && typeof j.data.host === "string") lines.push(...deployLines(record, j.data.host));
  if (j.failedReason) lines.push(`Failed: ${foreignText(j.failedReason.split("\n")[0] ?? "")}`);
  if (logs.length > 0) lines.push("Log:", ...foreignBlock(logs));
  return lines.join("\n");
}
