import type { Logger } from "pino";
import type { Chat } from "../core/message.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { SampleStore } from "../stats/sample-store.js";
import { statsChart } from "../stats/stats-chart.js";
import type { NewAlert } from "./alerter.js";

export type AlertChartDeps = {
  fleet: Fleet;
  samples: SampleStore;
  deploys: DeployStore;
  chat: Chat;
  log: Logger;
  now?: () => number;
};

/** Alerts an on-call engineer reads next to a chart: a number over a line says little without its trend. */
const CHARTED = new Set<NewAlert["kind"]>(["memory", "cpu"]);

/**
 * After a new alert is posted, uploads the last hour's chart of each project+env it raises a
 * memory or cpu condition for (one chart even when both are over), beside the alert. Called only
 * for conditions just claimed, so a chart goes up once per alert, not once per period. A chart
 * that cannot be drawn or uploaded is logged: the alert itself is already out.
 */
export function alertCharts(deps: AlertChartDeps) {
  return async (channel: string, items: readonly NewAlert[]): Promise<void> => {
    const pairs = new Map<string, { project: string; env: string }>();
    for (const a of items)
      if (CHARTED.has(a.kind) && a.project && a.env)
        pairs.set(`${a.project}:${a.env}`, { project: a.project, env: a.env });
    for (const { project, env } of pairs.values()) {
      try {
        const hosts = deps.fleet.environments[env]?.hosts ?? [];
        const now = (deps.now ?? Date.now)();
        const outcome = await statsChart(deps.samples, deps.deploys, {
          project,
          env,
          hosts,
          window: "1h",
          now,
        });
        if (!outcome.ok) {
          deps.log.warn({ project, env, reason: outcome.reason }, "alert chart not drawn");
          continue;
        }
        await deps.chat.uploadImage(channel, outcome.filename, outcome.png, outcome.title);
      } catch (err) {
        deps.log.warn({ project, env, err: errorMessage(err) }, "alert chart not uploaded");
      }
    }
  };
}
