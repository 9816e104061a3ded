import type { StatsPlan } from "../../commands/stats.js";
import { ephemeral, type Reply } from "../core/message.js";
import type { StatsReader } from "../docker/host-stats.js";
import type { Fleet } from "../fleet/schema.js";
import { renderStats } from "./render-stats.js";

export type StatsDeps = { fleet: Fleet; read: StatsReader; timeoutMs: number };

/** /stats: every host's resource usage read live, in parallel, each within the timeout. */
export class StatsService {
  constructor(private readonly deps: StatsDeps) {}

  async stats(asked: StatsPlan): Promise<Reply> {
    // Hosts of no environment the requester may see are not even read.
    const seen = asked.envs?.flatMap((e) => this.deps.fleet.environments[e]?.hosts ?? []);
    const plan = seen ? { ...asked, hosts: asked.hosts.filter((h) => seen.includes(h)) } : asked;
    const hosts = await this.deps.read(plan.hosts, {
      timeoutMs: this.deps.timeoutMs,
      ...(plan.project ? { project: plan.project } : {}),
      ...(plan.env ? { env: plan.env } : {}),
    });
    return ephemeral(renderStats(plan, hosts));
  }
}
