import type { ChartWindow, StatsPlan } from "../../commands/stats.js";
import { type Chat, ephemeral, type Reply } from "../core/message.js";
import type { DeployStore } from "../deploys/store.js";
import type { StatsReader } from "../docker/host-stats.js";
import type { Fleet } from "../fleet/schema.js";
import { renderStats } from "./render-stats.js";

import type { SampleStore } from "./sample-store.js";
import { statsChart } from "./stats-chart.js";

export type StatsDeps = {
  fleet: Fleet;
  read: StatsReader;
  timeoutMs: number;
  /** For `--chart`: the monitor's samples, the deploys to mark, the chat to upload to. */
  samples: SampleStore;
  deploys: DeployStore;
  chat: Chat;
  now?: () => number;
};

/** /stats: every host's resource usage read live, in parallel, each within the timeout. */
export class StatsService {
  constructor(private readonly deps: StatsDeps) {}

  async stats(asked: StatsPlan): Promise<Reply> {
    // Hosts of no environment the requester may see are not even read.
    const seen = asked.envs?.flatMap((e) => this.deps.fleet.environments[e]?.hosts ?? []);
    const plan = seen ? { ...asked, hosts: asked.hosts.filter((h) => seen.includes(h)) } : asked;
    if (plan.chart && plan.project && plan.env)
      return this.chart({ ...plan, project: plan.project, env: plan.env, chart: plan.chart });
    const hosts = await this.deps.read(plan.hosts, {
      timeoutMs: this.deps.timeoutMs,
      ...(plan.project ? { project: plan.project } : {}),
      ...(plan.env ? { env: plan.env } : {}),
    });
    return ephemeral(renderStats(plan, hosts));
  }

  private async chart(
    plan: StatsPlan & { project: string; env: string; chart: ChartWindow },
  ): Promise<Reply> {
    const { samples, deploys, chat } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    const req = { project: plan.project, env: plan.env, hosts: plan.hosts, window: plan.chart, now };
    const outcome = await statsChart(samples, deploys, req);
    if (!outcome.ok) return ephemeral(outcome.reason);
    const where = await chat.uploadImage(plan.channel, outcome.filename, outcome.png, outcome.title);
    const said = where ? `saved as \`${where}\`` : "uploaded to this channel";
    return ephemeral(
      `:bar_chart: Chart of *${plan.project}* in *${plan.env}* over ${plan.chart} ${said}.\n${outcome.summary}`,
    );
  }
}
