import type { ReportPlan } from "../../commands/report.js";
import { ephemeral, type Reply } from "../core/message.js";
import type { DeployRecord, DeployStore } from "../deploys/store.js";
import type { Fleet } from "../fleet/schema.js";
import type { AlertStore } from "../monitor/alert-store.js";
import { doraRows, type IncidentInput } from "./dora.js";
import { renderReport } from "./render-report.js";

const DAY_MS = 24 * 3600_000;
/** Deploys kept per project+env (the store's history length). */
const HISTORY_READ = 200;

/** May the requester read this environment's history? The bot's access rules decide; open when absent. */
export type ReadCheck = (plan: ReportPlan, env: string) => Promise<boolean>;

export class ReportService {
  constructor(
    private readonly fleet: () => Fleet,
    private readonly deploys: DeployStore,
    private readonly alerts: AlertStore,
    private readonly mayRead: ReadCheck = async () => true,
    private readonly now: () => number = Date.now,
  ) {}

  async report(plan: ReportPlan): Promise<Reply> {
    const fleet = this.fleet();
    const to = this.now();
    const from = to - plan.days * DAY_MS;
    const envs = plan.env ? [plan.env] : Object.keys(fleet.environments);
    const readable: string[] = [];
    for (const env of envs) if (await this.mayRead(plan, env)) readable.push(env);
    if (plan.env && readable.length === 0)
      return ephemeral(`:no_entry: You may not read *${plan.env}*, so there is no report for it.`);
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
