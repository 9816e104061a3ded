import type { PromotePlan } from "../../commands/promote.js";
import type { RunningByHost } from "../docker/running.js";
import type { DeployRequest } from "./deploy-service.js";
import { foreignText } from "./foreign-text.js";
import { versionText } from "./render-deploy.js";

/**
 * The deploy request that puts on `plan.env` the one image running in `plan.fromEnv`, or why
 * not: a host that cannot be read, nothing running, or different digests on different hosts.
 */
export function promoteRequest(plan: PromotePlan, running: RunningByHost): DeployRequest | string {
  const from = `*${plan.project}* in *${plan.fromEnv}*`;
  // Keyed by image and, for a project with code, the commit mounted into it: both move together.
  const digests = new Map<string, { tag: string; digest: string; commit?: string; hosts: string[] }>();
  for (const host of plan.fromHosts) {
    const containers = running[host] ?? [];
    if (!Array.isArray(containers)) {
      return `Cannot promote: cannot read what runs on *${host}* (${foreignText(containers.error)}), so which image ${from} runs is unknown. Nothing was done.`;
    }
    for (const c of containers) {
      const key = versionText(c.digest, c.commit);
      const entry = digests.get(key) ?? {
        tag: c.version,
        digest: c.digest,
        ...(c.commit ? { commit: c.commit } : {}),
        hosts: [],
      };
      if (!entry.hosts.includes(host)) entry.hosts.push(host);
      digests.set(key, entry);
    }
  }
  if (digests.size === 0) {
    return `Cannot promote: nothing of ${from} is running (hosts ${plan.fromHosts.join(", ")}). Nothing was done.`;
  }
  if (digests.size > 1) {
    const which = [...digests.entries()].map(
      ([shown, e]) => `${e.hosts.join(", ")} run${e.hosts.length === 1 ? "s" : ""} \`${shown}\` (${e.tag})`,
    );
    return `Cannot promote: ${from} runs different images — ${which.join("; ")}. Deploy one version to *${plan.fromEnv}* first. Nothing was done.`;
  }
  const [[shown, { tag, digest, commit }]] = [...digests.entries()] as [
    [string, { tag: string; digest: string; commit?: string; hosts: string[] }],
  ];
  return {
    project: plan.project,
    env: plan.env,
    image: plan.image,
    tag,
    targets: plan.hosts.map((host) => ({ host, tag, digest, ...(commit ? { commit } : {}) })),
    requestedBy: plan.requestedBy,
    channel: plan.channel,
    dryRun: plan.dryRun,
    via: `promote \`${shown}\` from ${plan.fromEnv}`,
  };
}
