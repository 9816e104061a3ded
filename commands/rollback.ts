import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import type { PinnedRun } from "./pinned.js";
import { planned, type Result } from "./result.js";
import { badEnv, badHostChoice, badProject, chosenHosts, readWords, TARGET_WORDS } from "./targets.js";

/** Which version to go back to is read from the deploy history when the plan runs. */
export type RollbackPlan = {
  kind: "rollback";
  project: string;
  env: string;
  image: string;
  hosts: string[];
  requestedBy: string;
  channel: string;
  dryRun: boolean;
  approval?: ApprovalRule;
  /** Set by its approval request: the run approvers saw, deployed as shown. */
  pinned?: PinnedRun;
};

export const rollbackHelp = {
  name: "rollback",
  usage: "/rollback <project> <env> [<host>|all] [--dry-run]",
  description:
    "Redeploy, by digest and with the config it ran with, the last version that succeeded on each host before the one running now.",
  examples: ["/rollback a1 beta", "/rollback a1 prod serverB --dry-run"],
};

export function planRollback(text: string, ctx: CommandContext): Result<RollbackPlan> {
  const read = readWords(text, rollbackHelp.usage, TARGET_WORDS);
  if ("ok" in read) return read;
  const { words, flags, fail } = read;
  const [project, env, hostWord] = words as [string, string, string | undefined];
  const { fleet } = ctx;
  const why = badProject(fleet, project) ?? badEnv(fleet, env) ?? badHostChoice(fleet, env, hostWord);
  if (why) return fail(why);
  const approval = approvalFor(fleet, env);
  return planned({
    kind: "rollback",
    project,
    env,
    image: fleet.projects[project]?.image as string,
    hosts: chosenHosts(fleet, env, hostWord),
    requestedBy: ctx.user,
    channel: ctx.channel,
    dryRun: flags.has("dry-run"),
    ...(approval ? { approval } : {}),
  });
}
