import type { Fleet } from "../fleet/schema.js";
import { type Directory, isListed } from "./directory.js";

/** What the access rules need to know about a plan; every mutating plan has these fields. */
export type Guarded = { kind: string; requestedBy?: string; channel?: string; env?: string; action?: string };

/**
 * The `allow` keys that govern a plan, most specific first: `/stop` is a `lifecycle` plan with
 * action `stop`, so `allow.stop` wins over `allow.lifecycle`.
 */
function commandKeys(plan: Guarded): string[] {
  const base = plan.kind.split(/[-_.:]/)[0] ?? plan.kind;
  const keys = [...(plan.action ? [plan.action] : []), plan.kind, base];
  return [...new Set(keys)];
}

/**
 * Roles and channel restrictions from the fleet file, for any plan kind. Without `roles` and
 * without `channels` everything stays open. Returns why a plan is refused, or undefined.
 */
export async function denial(fleet: Fleet, directory: Directory, plan: Guarded): Promise<string | undefined> {
  if (plan.env === undefined) return undefined;
  const env = fleet.environments[plan.env];
  if (!env) return undefined;
  if (env.channels && !env.channels.includes(plan.channel ?? "")) {
    const where = env.channels.map((c) => `<#${c}>`).join(", ");
    return `*${plan.env}* commands may only be run from ${where}. Nothing was done.`;
  }
  const key = commandKeys(plan).find((k) => env.allow?.[k] !== undefined);
  if (key === undefined) return undefined;
  const what = key;
  const roles = env.allow?.[key] ?? [];
  const members = roles.flatMap((r) => fleet.roles?.[r] ?? []);
  if (plan.requestedBy && (await isListed(plan.requestedBy, members, directory))) return undefined;
  const who = roles.length > 0 ? `the ${roles.map((r) => `*${r}*`).join(" or ")} role` : "no one";
  return `You may not run \`${what}\` in *${plan.env}*: only ${who} may. Nothing was done.`;
}
