import { type DeployRecord, type HostStatus, isFinal } from "../deploys/store.js";

/** What the report needs of an alert condition (an alert store item). */
export type IncidentInput = {
  project?: string;
  env?: string;
  eventAt: number;
  resolvedAt?: number;
};

export type ReportWindow = { from: number; to: number };

/** The four DORA measures for one project and environment over a window. */
export type DoraRow = {
  project: string;
  env: string;
  /** Deploys that finished (succeeded or failed) and were requested inside the window. */
  deploys: number;
  perWeek: number;
  /** Deploys that failed, were rolled back by the next deploy, or raised an alert within an hour. */
  failures: number;
  failureRate?: number;
  /** Median time from the image's build to the deploy finishing, over successful deploys. */
  leadTimeMs?: number;
  /** Median time from an alert condition to its resolution, over those resolved. */
  restoreMs?: number;
  restored: number;
  stillOpen: number;
};

/** How soon after a deploy an alert still counts against it. */
export const FAILURE_WINDOW_MS = 60 * 60_000;
const WEEK_MS = 7 * 24 * 3600_000;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

type Finished = { record: DeployRecord; failed: boolean; finishedAt: number; builtAt?: number };

/**
 * A deploy whose every host ended, with its outcome; undefined while any host still runs, and
 * when a newer request superseded it everywhere (it changed nothing).
 */
function finished(record: DeployRecord): Finished | undefined {
  const all = record.meta.hosts.map((h) => record.hosts[h]);
  if (all.some((s) => s === undefined || !isFinal(s.state))) return undefined;
  const statuses = all.filter((s): s is HostStatus => s !== undefined && s.state !== "superseded");
  if (statuses.length === 0) return undefined;
  const ends = statuses.map((s) => s.finishedAt ?? record.meta.createdAt);
  const built = statuses.map((s) => s.imageCreatedAt).filter((t): t is number => t !== undefined);
  return {
    record,
    failed: statuses.some((s) => s.state === "failed"),
    finishedAt: Math.max(...ends),
    ...(built.length > 0 ? { builtAt: Math.min(...built) } : {}),
  };
}

const isRollback = (record: DeployRecord) => record.meta.via?.startsWith("rollback") ?? false;

/**
 * The DORA figures per project+env from deploy records and alert conditions. Pure: the report
 * service reads the inputs from Redis, this decides what they mean.
 */
export function doraRows(
  records: readonly DeployRecord[],
  incidents: readonly IncidentInput[],
  window: ReportWindow,
): DoraRow[] {
  const groups = new Map<string, DeployRecord[]>();
  for (const record of records) {
    const key = `${record.meta.project}\u0000${record.meta.env}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  for (const incident of incidents) {
    if (incident.project === undefined || incident.env === undefined) continue;
    const key = `${incident.project}\u0000${incident.env}`;
    if (!groups.has(key)) groups.set(key, []);
  }
  const weeks = Math.max(window.to - window.from, 1) / WEEK_MS;
  const rows: DoraRow[] = [];
  for (const [key, group] of groups) {
    const [project = "", env = ""] = key.split("\u0000");
    const ordered = [...group].sort((a, b) => a.meta.createdAt - b.meta.createdAt);
    const ours = incidents.filter((i) => i.project === project && i.env === env);
    const done = ordered
      .filter((r) => r.meta.createdAt >= window.from && r.meta.createdAt < window.to)
      .map(finished)
      .filter((f): f is Finished => f !== undefined);
    const failures = done.filter((d) => {
      if (d.failed) return true;
      const next = ordered.find((r) => r.meta.createdAt > d.record.meta.createdAt);
      if (next && isRollback(next)) return true;
      return ours.some((i) => i.eventAt >= d.finishedAt && i.eventAt < d.finishedAt + FAILURE_WINDOW_MS);
    }).length;
    const leadTimes = done
      .filter((d) => !d.failed && d.builtAt !== undefined)
      .map((d) => d.finishedAt - (d.builtAt as number));
    const inWindow = ours.filter((i) => i.eventAt >= window.from && i.eventAt < window.to);
    const restoreTimes = inWindow
      .filter((i) => i.resolvedAt !== undefined)
      .map((i) => (i.resolvedAt as number) - i.eventAt);
    const leadTimeMs = median(leadTimes);
    const restoreMs = median(restoreTimes);
    rows.push({
      project,
      env,
      deploys: done.length,
      perWeek: Math.round((done.length / weeks) * 10) / 10,
      failures,
      ...(done.length > 0 ? { failureRate: failures / done.length } : {}),
      ...(leadTimeMs !== undefined ? { leadTimeMs } : {}),
      ...(restoreMs !== undefined ? { restoreMs } : {}),
      restored: restoreTimes.length,
      stillOpen: inWindow.length - restoreTimes.length,
    });
  }
  return rows.sort((a, b) => a.project.localeCompare(b.project) || a.env.localeCompare(b.env));
}
