import type { GatedPlan } from "../core/ops.js";
import type { Pinned, Shown } from "./types.js";

export type { Shown } from "./types.js";

/**
 * How approvals treat one plan kind. Every hook is optional: a kind without hooks is shown by
 * its fields and approved as it was asked.
 */
export type KindHooks<P> = {
  /**
   * Fixes what the approvers will see (e.g. the digest a tag resolves to now) into the plan, or
   * refuses (nothing to roll back to): the requester is answered and nobody is asked.
   */
  pin?: (plan: P) => Promise<{ plan: P; pinned: Pinned } | { refusal: string }>;
  describe?: (plan: P, pinned: Pinned) => Promise<Shown>;
  /** Why the plan that was shown no longer holds (the request is then void), or undefined. */
  revalidate?: (plan: P, pinned: Pinned) => Promise<string | undefined>;
  /** Turns values that must not rest in Redis in the clear (secrets) into what may be stored. */
  seal?: (plan: P) => Promise<P>;
  /** The reverse of `seal`, when the approved plan is about to run. */
  unseal?: (plan: P) => Promise<P>;
};

export type ApprovalKinds = {
  [K in GatedPlan["kind"]]?: KindHooks<Extract<GatedPlan, { kind: K }>>;
};

const HIDDEN = new Set(["kind", "approval", "requestedBy", "channel", "env", "dryRun"]);

/** The fallback description: the plan's own fields, for kinds that bring no `describe`. */
export function describeFields(plan: GatedPlan): Shown {
  const p = plan as Record<string, unknown>;
  const lines = Object.entries(p)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(
      ([k, v]) =>
        `• ${k}: \`${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)}\``,
    );
  return { title: `\`${plan.kind}\` in *${plan.env}*`, lines };
}
