import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badEnv, badFlag, badProject } from "./targets.js";
import { tokenize } from "./tokenize.js";

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
};

export const promoteHelp = {
  name: "promote",
  usage: "/promote <project> <from-env> <to-env> [--dry-run]",
  description:
    "Deploy to <to-env> exactly the image digest running in <from-env>, with <to-env>'s own config.",
  examples: ["/promote a1 beta prod", "/promote a1 beta prod --dry-run"],
};

export function planPromote(text: string, ctx: CommandContext): Result<PromotePlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${promoteHelp.usage}\``);
  const flagWhy = badFlag(flags, ["dry-run"]);
  if (flagWhy) return fail(flagWhy);
  if (words.length < 3)
    return fail("name a project, the environment to promote from and the one to promote to");
  if (words.length > 3) return fail(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
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
