import type { DeployMeta } from "./store.js";

/** What an environment's `rollout:` says, as the fleet file parsed it. */
export type RolloutSettings = {
  batch: number | string;
  pause: number;
  onFailure: "stop" | "rollback";
};

export type RolloutPlan = NonNullable<DeployMeta["rollout"]>;

/**
 * The hosts in batches, in the order given: `batch` hosts each, or a share of them ("25%",
 * rounded up so a batch always has a host).
 */
export function rolloutBatches(hosts: readonly string[], batch: number | string): string[][] {
  const size =
    typeof batch === "number"
      ? batch
      : Math.max(1, Math.ceil((hosts.length * Number.parseInt(batch, 10)) / 100));
  const batches: string[][] = [];
  for (let i = 0; i < hosts.length; i += size) batches.push(hosts.slice(i, i + size));
  return batches;
}

/** The rollout a deploy to these hosts follows, or undefined when it all fits in one batch. */
export function planRollout(
  hosts: readonly string[],
  settings: RolloutSettings | undefined,
): RolloutPlan | undefined {
  if (!settings) return undefined;
  const batches = rolloutBatches(hosts, settings.batch);
  return batches.length < 2 ? undefined : { batches, pauseMs: settings.pause, onFailure: settings.onFailure };
}

/** The 1-based number of the batch a host is in. */
export function batchNumber(plan: RolloutPlan, host: string): number {
  return plan.batches.findIndex((b) => b.includes(host)) + 1;
}
