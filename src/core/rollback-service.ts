import type { RollbackPlan } from "../../commands/rollback.js";
import { previousOnHost } from "../deploys/previous.js";
import type { DeployStore } from "../deploys/store.js";
import { shortDigest } from "../names.js";
import type { DeployRequest, HostTarget } from "./deploy-service.js";
import { versionText } from "./render-deploy.js";

const HISTORY_DEPTH = 200;

/** The deploy request a rollback plan stands for, or why there is nothing to go back to. */
export async function rollbackRequest(
  plan: RollbackPlan,
  store: DeployStore,
): Promise<DeployRequest | string> {
  const records = await store.history(plan.project, plan.env, HISTORY_DEPTH);
  const targets: HostTarget[] = [];
  for (const host of plan.hosts) {
    const { current, previous } = previousOnHost(records, host);
    if (!previous) {
      return current
        ? `Nothing to roll back to on *${host}*: no earlier successful deploy of *${plan.project}* in *${plan.env}* ran another image than the current \`${shortDigest(current.digest ?? "")}\` (${current.tag}). Nothing was done.`
        : `Nothing to roll back to on *${host}*: no successful deploy of *${plan.project}* in *${plan.env}* is on record there. Nothing was done.`;
    }
    targets.push(previous);
  }
  const versions = [...new Set(targets.map((t) => `${t.tag} (${versionText(t.digest ?? "", t.commit)})`))];
  const tags = [...new Set(targets.map((t) => t.tag))];
  return {
    project: plan.project,
    env: plan.env,
    image: plan.image,
    tag: tags.length === 1 ? (tags[0] as string) : "previous",
    targets,
    requestedBy: plan.requestedBy,
    channel: plan.channel,
    dryRun: plan.dryRun,
    via: `rollback to ${versions.join(", ")}`,
  };
}
