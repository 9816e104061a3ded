import type { ScalePlan } from "../../commands/scale.js";
import type { RunningByHost } from "../docker/running.js";
import type { DeployRequest } from "./deploy-service.js";
import { foreignText } from "./foreign-text.js";
import { versionText } from "./render-deploy.js";

/**
 * Scaling redeploys the image running now with a replica count per host: every replica on a
 * host is replaced at once, so all of them run the same image. The environment must run one
 * image (read from the containers' labels); a host given 0 replicas retires its containers.
 */
export function scaleRequest(
  plan: ScalePlan,
  envHosts: readonly string[],
  running: RunningByHost,
): DeployRequest | string {
  const what = `*${plan.project}* in *${plan.env}*`;
  // Keyed by image and, for a project with code, the commit mounted into it: both are kept.
  const images = new Map<string, { digest: string; tag: string; commit?: string }>();
  for (const host of envHosts) {
    const containers = running[host] ?? [];
    if (!Array.isArray(containers)) {
      if (plan.hosts.includes(host)) {
        return `Cannot scale: cannot read what runs on *${host}* (${foreignText(containers.error)}). Nothing was done.`;
      }
      continue;
    }
    for (const c of containers) {
      images.set(versionText(c.digest, c.commit), {
        digest: c.digest,
        tag: c.version,
        ...(c.commit ? { commit: c.commit } : {}),
      });
    }
  }
  if (images.size === 0)
    return `Cannot scale: nothing of ${what} is running; deploy it first. Nothing was done.`;
  if (images.size > 1) {
    const list = [...images.entries()].map(([shown, v]) => `\`${shown}\` (${v.tag})`).join(", ");
    return `Cannot scale: ${what} runs several images (${list}); deploy one version first. Nothing was done.`;
  }
  const [{ digest, tag, commit }] = [...images.values()] as [
    { digest: string; tag: string; commit?: string },
  ];
  const counts = plan.hosts.map((h) => `${h}: ${plan.perHost[h] ?? 0}`).join(", ");
  return {
    project: plan.project,
    env: plan.env,
    image: plan.image,
    tag,
    targets: plan.hosts.map((host) => ({
      host,
      tag,
      digest,
      replicas: plan.perHost[host] ?? 0,
      ...(commit ? { commit } : {}),
    })),
    requestedBy: plan.requestedBy,
    channel: plan.channel,
    dryRun: plan.dryRun,
    via: `scale to ${plan.replicas} (${counts})`,
  };
}
