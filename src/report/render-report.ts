import type { ReportPlan } from "../../commands/report.js";
import { codeTable } from "../core/table.js";
import { formatDuration } from "../fleet/duration.js";
import type { DoraRow } from "./dora.js";

const percent = (rate: number | undefined) => (rate === undefined ? "—" : `${Math.round(rate * 100)}%`);
const duration = (ms: number | undefined) => (ms === undefined ? "—" : formatDuration(Math.round(ms)));

/** `envs` is set when the requester may read only some environments (the access check narrowed it). */
export function renderReport(
  plan: ReportPlan & { envs?: readonly string[] },
  rows: readonly DoraRow[],
): string {
  const everything = plan.envs ? "every project you may read" : "every project";
  const scope = [plan.project, plan.env].filter(Boolean).join(" ") || everything;
  const title = `*Delivery report for ${scope}, last ${plan.days} days*`;
  if (rows.length === 0) return `${title}\nNo deploys or alerts on record in that time.`;
  const table = codeTable(
    ["project", "env", "deploys", "per week", "change failure", "lead time", "time to restore"],
    rows.map((r) => [
      r.project,
      r.env,
      String(r.deploys),
      String(r.perWeek),
      r.deploys > 0 ? `${percent(r.failureRate)} (${r.failures})` : "—",
      duration(r.leadTimeMs),
      r.restored > 0 || r.stillOpen > 0
        ? `${duration(r.restoreMs)}${r.stillOpen > 0 ? ` (${r.stillOpen} open)` : ""}`
        : "—",
    ]),
  );
  return [
    title,
    table,
    "_Lead time: image built → deploy finished (median). Change failure: failed, rolled back next, or alerted within 1h. Time to restore: alert → resolved (median)._",
  ].join("\n");
}
