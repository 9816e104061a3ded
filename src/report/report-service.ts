import type { ReportPlan } from "../../commands/report.js";
import type { Narrowed } from "../core/access.js";
import { ephemeral, type Reply } from "../core/message.js";
import type { DeployRecord, DeployStore } from "../deploys/store.js";
import type { Fleet } from "../fleet/schema.js";
import type { AlertStore } from "../monitor/alert-store.js";
import { doraRows, type IncidentInput } from "./dora.js";
import { renderReport } from "./render-report.js";

const DAY_MS = 24 * 3600_000;
/** Deploys kept per project+env (the store's history length). */
const HISTORY_READ = 200;

export class ReportService {
  constructor(
    private readonly fleet: () => Fleet,
    private readonly deploys: DeployStore,
    private readonly alerts: AlertStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** `envs`, set by the access check on a report naming no environment, lists those it may show. */
  async report(plan: Narrowed<ReportPlan>): Promise<Reply> {
    const fleet = this.fleet();
    const to = this.now();
    const from = to - plan.days * DAY_MS;
    const readable = plan.env ? [plan.env] : (plan.envs ?? Object.keys(fleet.environments));
    const projects = plan.project ? [plan.project] : Object.keys(fleet.projects);
    const lists = await Promise.all(
      projects.flatMap((p) => readable.map((e) => this.deploys.history(p, e, HISTORY_READ))),
    );
    // The next deploy after the window's last one tells whether it was rolled back.
    const records: DeployRecord[] = lists.flat().filter((r) => r.meta.createdAt >= from);
    const incidents: IncidentInput[] = (await this.alerts.openedSince(from))
      .flatMap((a) => a.items)
      .filter((i) => i.project !== undefined && projects.includes(i.project))
      .filter((i) => i.env !== undefined && readable.includes(i.env));
    return ephemeral(renderReport(plan, doraRows(records, incidents, { from, to })));
  }
}
