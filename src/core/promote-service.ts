import type { PromotePlan } from "../../commands/promote.js";
import type { RunningByHost } from "../docker/running.js";
import { shortDigest } from "../names.js";
import type { DeployRequest } from "./deploy-service.js";
import { foreignText } from "./foreign-text.js";

/**
 * The deploy request that puts on `plan.env` the one image running in `plan.fromEnv`, or why
 * not: a host that cannot be read, nothing running, or different digests on different hosts.
 */
export function promoteRequest(plan: PromotePlan, running: RunningByHost): DeployRequest | string {
  const from = `*${plan.project}* in *${plan.fromEnv}*`;
  const digests = new Map<string, { tag: string; hosts: string[] }>();
  for (const host of plan.fromHosts) {
    const containers = running[host] ?? [];
    if (!Array.isArray(containers)) {
      return `Cannot promote: cannot read what runs on *${host}* (${foreignText(containers.error)}), so which image ${from} runs is unknown. Nothing was done.`;
    }
    for (const c of containers) {
      const entry = digests.get(c.digest) ?? { tag: c.version, hosts: [] };
      if (!entry.hosts.includes(host)) entry.hosts.push(host);
      digests.set(c.digest, entry);
    }
  }
  if (digests.size === 0) {
    return `Cannot promote: nothing of ${from} is running (hosts ${plan.fromHosts.join(", ")}). Nothing was done.`;
  }
  if (digests.size > 1) {
    const which = [...digests.entries()].map(
      ([digest, e]) =>
        `${e.hosts.join(", ")} run${e.hosts.length === 1 ? "s" : ""} \`${shortDigest(digest)}\` (${e.tag})`,
    );
    return `Cannot promote: ${from} runs different images — ${which.join("; ")}. Deploy one version to *${plan.fromEnv}* first. Nothing was done.`;
  }
  const [[digest, { tag }]] = [...digests.entries()] as [[string, { tag: string; hosts: string[] }]];
  return {
    project: plan.project,
    env: plan.env,
    image: plan.image,
    tag,
    targets: plan.hosts.map((host) => ({ host, tag, digest })),
    requestedBy: plan.requestedBy,
    channel: plan.channel,
    dryRun: plan.dryRun,
    via: `promote \`${shortDigest(digest)}\` from ${plan.fromEnv}`,
  };
}
