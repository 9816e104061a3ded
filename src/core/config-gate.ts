import type { ConfigPlan } from "../../commands/config.js";
import type { Reply } from "./message.js";
import type { ApprovalGate } from "./ops.js";

/**
 * Until approval requests exist, an approver of an environment may change its config directly
 * (their own request is the approval); everyone else goes to `next`, which refuses. Remove this
 * wrapper when the approvals gate lands, so approvers' changes need a second approver too.
 */
export function approversMayChangeConfig(
  run: (plan: ConfigPlan) => Promise<Reply | undefined>,
  next: ApprovalGate,
): ApprovalGate {
  return async (plan) =>
    plan.kind === "config" && plan.approval.approvers.includes(plan.requestedBy) ? run(plan) : next(plan);
}
