import type { DeployPlan } from "../../commands/deploy.js";
import type { CommitResolver } from "../core/deploy-service.js";
import { foreignText } from "../core/foreign-text.js";
import type { DeployStore } from "../deploys/store.js";
import { shortCommit, shortDigest } from "../names.js";
import type { KindHooks, Shown } from "./kinds.js";
import type { Pinned } from "./store.js";

export type DeployApprovalDeps = {
  resolveDigest: (image: string, tag: string) => Promise<string>;
  store: DeployStore;
  /** The project's current config revision in the environment, when config is stored. */
  configRevision?: (project: string, env: string) => Promise<number | undefined>;
  /** For a project with code: the commit its ref points to now (see DeployService). */
  resolveCommit?: CommitResolver;
};

/** The digest each host runs now, from the deploy history in Redis (no Docker call). */
async function currentDigests(store: DeployStore, plan: DeployPlan): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const record of await store.history(plan.project, plan.env, 20)) {
    for (const host of plan.hosts) {
      const status = record.hosts[host];
      if (out[host] === undefined && status?.state === "succeeded" && status.digest)
        out[host] = status.digest;
    }
  }
  return out;
}

/**
 * Deploys pin the digest the tag resolves to when the request is made (the approved deploy runs
 * exactly that image) and the config revision, and re-check both when Approve is pressed.
 */
export function deployApproval(deps: DeployApprovalDeps): KindHooks<DeployPlan & { approval: object }> {
  const revision = (plan: DeployPlan) =>
    deps.configRevision?.(plan.project, plan.env) ?? Promise.resolve(undefined);
  return {
    pin: async (plan) => {
      // The code is pinned like the image: Approve deploys the commit the ref pointed to when asked.
      let commit = plan.commit;
      if (plan.ref !== undefined && !commit && deps.resolveCommit) {
        const found = await deps.resolveCommit(plan.project, plan.ref, plan.hosts[0] ?? "");
        if ("error" in found) {
          return {
            refusal: `:x: Cannot deploy *${plan.project}@${plan.ref}*: ${foreignText(found.error)}. Nothing was done.`,
          };
        }
        commit = found.commit;
      }
      const digest = plan.digest ?? (await deps.resolveDigest(plan.image, plan.tag));
      const configRevision = await revision(plan);
      const pinned: Pinned = {
        digest,
        ...(plan.digest ? {} : { tag: plan.tag }),
        ...(configRevision !== undefined ? { configRevision } : {}),
      };
      return {
        plan: {
          ...plan,
          digest,
          ...(configRevision !== undefined ? { configRevision } : {}),
          ...(commit ? { commit } : {}),
        },
        pinned,
      };
    },
    describe: async (plan, pinned): Promise<Shown> => {
      const now = await currentDigests(deps.store, plan);
      const next = pinned.digest ? `\`${shortDigest(pinned.digest)}\`` : "?";
      const lines = plan.hosts.map((h) => {
        const from = now[h] ? `\`${shortDigest(now[h])}\`` : "nothing deployed by dockops";
        return `• *${h}*: ${from} → ${next}${now[h] === pinned.digest ? " (unchanged)" : ""}`;
      });
      if (pinned.configRevision !== undefined) lines.push(`• config revision ${pinned.configRevision}`);
      if (plan.commit) lines.push(`• code \`${plan.ref ?? "?"}\` at commit \`${shortCommit(plan.commit)}\``);
      return {
        title: `deploy *${plan.project}:${plan.tag}* to *${plan.env}* on ${plan.hosts.join(", ")}`,
        lines,
      };
    },
    revalidate: async (plan, pinned) => {
      if (pinned.tag !== undefined && pinned.digest !== undefined) {
        const now = await deps.resolveDigest(plan.image, pinned.tag);
        if (now !== pinned.digest) {
          return `the tag \`${pinned.tag}\` now resolves to \`${shortDigest(now)}\`, not the \`${shortDigest(pinned.digest)}\` that was shown`;
        }
      }
      const current = await revision(plan);
      if (current !== pinned.configRevision) {
        return `the config revision changed from ${pinned.configRevision ?? "none"} to ${current ?? "none"} since the request`;
      }
      return undefined;
    },
  };
}
