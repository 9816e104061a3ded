import type { Fleet } from "../src/fleet/schema.js";

/** Who must approve a plan for an environment, copied into the plan so it is plain data. */
export type ApprovalRule = { approvers: string[]; allowSelfApproval: boolean; expiresMs: number };

/** The approval rule of `env`, or undefined when the environment needs none. */
export function approvalFor(fleet: Fleet, env: string): ApprovalRule | undefined {
  const rule = fleet.environments[env]?.approval;
  if (!rule) return undefined;
  return {
    approvers: [...rule.approvers],
    allowSelfApproval: rule.allowSelfApproval,
    expiresMs: rule.expires,
  };
}
