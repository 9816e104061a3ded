import type { PinnedCurrent, PinnedRun } from "../../commands/pinned.js";
import { type ChangePlan, type ChangeReaders, changeRequest } from "../core/change-request.js";
import type { DeployRecord } from "../deploys/store.js";
import { shortDigest } from "../names.js";
import type { KindHooks, Shown } from "./kinds.js";

export type ChangeApprovalDeps = ChangeReaders & {
  /** The project's latest config revision in the environment (0: none stored). */
  configRevision: (project: string, env: string) => Promise<number>;
};

const HISTORY_DEPTH = 200;

/** Per host, what the newest successful deploy on record put there (what runs, for dockops). */
export function currentByHistory(records: readonly DeployRecord[], hosts: readonly string[]) {
  const out: Record<string, PinnedCurrent> = {};
  for (const host of hosts) {
    const record = records.find((r) => r.hosts[host]?.state === "succeeded" && r.hosts[host]?.digest);
    const s = record?.hosts[host];
    if (!record || !s?.digest) continue;
    out[host] = {
      digest: s.digest,
      tag: record.meta.tag,
      ...(s.replicas !== undefined ? { replicas: s.replicas } : {}),
    };
  }
  return out;
}

const short = (digest: string) => `\`${shortDigest(digest)}\``;

function title(plan: ChangePlan): string {
  const on = plan.hosts.join(", ");
  switch (plan.kind) {
    case "rollback":
      return `roll back *${plan.project}* in *${plan.env}* on ${on}`;
    case "promote":
      return `promote *${plan.project}* from *${plan.fromEnv}* to *${plan.env}* on ${on}`;
    case "scale":
      return `scale *${plan.project}* in *${plan.env}* to ${plan.replicas} replica${plan.replicas === 1 ? "" : "s"} on ${on}`;
  }
}

/** One line per host: the digest on record now → the pinned digest, its config revision, replicas. */
export function describeChange(plan: ChangePlan, pinned: PinnedRun): Shown {
  const lines = pinned.targets.map((t) => {
    const now = pinned.current[t.host];
    const scale = plan.kind === "scale";
    const count = (n: number | undefined) => (scale ? ` ×${n ?? 1}` : "");
    const from = now
      ? `${short(now.digest)} (${now.tag})${count(now.replicas)}`
      : "nothing deployed by dockops";
    const to = t.replicas === 0 ? "nothing (retired)" : `${short(t.digest)} (${t.tag})${count(t.replicas)}`;
    const config = t.configRevision ? `, config revision ${t.configRevision}` : ", no stored config";
    return `• *${t.host}*: ${from} → ${to}${config}`;
  });
  if (plan.kind === "promote") {
    lines.push(
      `• the digest ${pinned.targets[0] ? short(pinned.targets[0].digest) : "?"} is what *${plan.fromEnv}* ran when this was asked; Approve deploys exactly it, even if *${plan.fromEnv}* moves on`,
    );
  }
  return { title: title(plan), lines };
}

/**
 * Rollback, promote and scale compute their per-host targets (digest, config revision,
 * replicas) when the request is made, exactly as the run would, and pin them into the plan: the
 * approved run deploys what was shown. At the press, the request is void when the hosts no
 * longer run (by the deploy history) what was shown as current, or — for promote and scale,
 * which run with the latest config — when the config got a new revision.
 */
export function changeApproval<P extends ChangePlan>(
  deps: ChangeApprovalDeps,
): KindHooks<P & { approval: object }> {
  const current = async (plan: ChangePlan) =>
    currentByHistory(await deps.store.history(plan.project, plan.env, HISTORY_DEPTH), plan.hosts);
  return {
    pin: async (plan) => {
      const req = await changeRequest({ ...plan, pinned: undefined }, deps);
      if (typeof req === "string") return { refusal: req };
      const configHead = await deps.configRevision(plan.project, plan.env);
      const pinned: PinnedRun = {
        tag: req.tag,
        via: req.via ?? plan.kind,
        targets: req.targets.map((t) => ({
          ...t,
          digest: t.digest ?? "",
          configRevision: t.configRevision ?? configHead,
        })),
        current: await current(plan),
        configHead,
      };
      return { plan: { ...plan, pinned }, pinned: { configRevision: configHead } };
    },
    describe: async (plan) =>
      plan.pinned ? describeChange(plan, plan.pinned) : { title: title(plan), lines: [] },
    revalidate: async (plan) => {
      const pinned = plan.pinned;
      if (!pinned) return undefined;
      const now = await current(plan);
      for (const host of plan.hosts) {
        const was = pinned.current[host];
        const is = now[host];
        if (was?.digest === is?.digest && (plan.kind !== "scale" || was?.replicas === is?.replicas)) continue;
        const shown = was ? `${short(was.digest)} (${was.tag})` : "nothing";
        const runs = is ? `${short(is.digest)} (${is.tag})` : "nothing";
        return `*${host}* now runs ${runs} by the deploy history, not the ${shown} that was shown as current (someone deployed since the request)`;
      }
      if (plan.kind !== "rollback") {
        const head = await deps.configRevision(plan.project, plan.env);
        if (head !== pinned.configHead) {
          return `the config revision changed from ${pinned.configHead} to ${head} since the request`;
        }
      }
      return undefined;
    },
  };
}
