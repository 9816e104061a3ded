import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import type { PinnedRun } from "./pinned.js";
import { planned, type Result } from "./result.js";
import { badEnv, badProject, readWords } from "./targets.js";

/** `env` is the target; the digest is read from what runs on `fromHosts` when the plan runs. */
export type PromotePlan = {
  kind: "promote";
  project: string;
  fromEnv: string;
  fromHosts: string[];
  env: string;
  image: string;
  hosts: string[];
  requestedBy: string;
  channel: string;
  dryRun: boolean;
  /** The target environment's rule. */
  approval?: ApprovalRule;
  /** Set by its approval request: the run approvers saw, deployed as shown. */
  pinned?: PinnedRun;
};

export const promoteHelp = {
  name: "promote",
  usage: "/promote <project> <from-env> <to-env> [--dry-run]",
  description:
    "Deploy to <to-env> exactly the image digest running in <from-env>, with <to-env>'s own config.",
  examples: ["/promote a1 beta prod", "/promote a1 beta prod --dry-run"],
};

export function planPromote(text: string, ctx: CommandContext): Result<PromotePlan> {
  const read = readWords(text, promoteHelp.usage, {
    min: 3,
    max: 3,
    missing: "name a project, the environment to promote from and the one to promote to",
    flags: ["dry-run"],
  });
  if ("ok" in read) return read;
  const { words, flags, fail } = read;
  const [project, fromEnv, toEnv] = words as [string, string, string];
  const { fleet } = ctx;
  const why = badProject(fleet, project) ?? badEnv(fleet, fromEnv) ?? badEnv(fleet, toEnv);
  if (why) return fail(why);
  if (fromEnv === toEnv) return fail(`promote from one environment to another, not \`${fromEnv}\` to itself`);
  const approval = approvalFor(fleet, toEnv);
  return planned({
    kind: "promote",
    project,
    fromEnv,
    fromHosts: [...(fleet.environments[fromEnv]?.hosts ?? [])],
    env: toEnv,
    image: fleet.projects[project]?.image as string,
    hosts: [...(fleet.environments[toEnv]?.hosts ?? [])],
    requestedBy: ctx.user,
    channel: ctx.channel,
    dryRun: flags.has("dry-run"),
    ...(approval ? { approval } : {}),
  });
}
