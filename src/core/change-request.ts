import type { PinnedRun } from "../../commands/pinned.js";
import type { PromotePlan } from "../../commands/promote.js";
import type { RollbackPlan } from "../../commands/rollback.js";
import type { ScalePlan } from "../../commands/scale.js";
import type { DeployStore } from "../deploys/store.js";
import type { RunningReader } from "../docker/running.js";
import type { Fleet } from "../fleet/schema.js";
import type { DeployRequest } from "./deploy-service.js";
import { promoteRequest } from "./promote-service.js";
import { rollbackRequest } from "./rollback-service.js";
import { scaleRequest } from "./scale-service.js";

/** The commands that redeploy what ran or runs elsewhere instead of a tag. */
export type ChangePlan = RollbackPlan | PromotePlan | ScalePlan;

/** `running` reads the hosts through workers: the bot has no Docker access of its own. */
export type ChangeReaders = { fleet: Fleet; store: DeployStore; running: RunningReader };

/** The deploy request an approval request pinned, exactly as it was shown. */
function fromPinned(plan: ChangePlan, pinned: PinnedRun): DeployRequest {
  return {
    project: plan.project,
    env: plan.env,
    image: plan.image,
    tag: pinned.tag,
    targets: pinned.targets.map((t) => ({ ...t })),
    requestedBy: plan.requestedBy,
    channel: plan.channel,
    dryRun: plan.dryRun,
    via: pinned.via,
  };
}

/**
 * The deploy request a rollback, promote or scale stands for, or why there is none. A plan
 * pinned by its approval request runs what was pinned; otherwise the request is computed now
 * from the deploy history (rollback) or the running containers' labels (promote, scale).
 */
export async function changeRequest(plan: ChangePlan, r: ChangeReaders): Promise<DeployRequest | string> {
  if (plan.pinned) return fromPinned(plan, plan.pinned);
  switch (plan.kind) {
    case "rollback":
      return rollbackRequest(plan, r.store);
    case "promote":
      return promoteRequest(plan, await r.running(plan.fromHosts, plan.project, plan.fromEnv));
    case "scale": {
      const envHosts = r.fleet.environments[plan.env]?.hosts ?? [];
      const running = await r.running(envHosts, plan.project, plan.env);
      return scaleRequest(plan, envHosts, running);
    }
  }
}
