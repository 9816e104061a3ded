import { type Asked, askedBy, type CommandContext } from "./context.js";
import { wordsOnly } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badEnv, badProject } from "./targets.js";

export type StatusPlan = {
  kind: "status";
  project?: string;
  env?: string;
  hosts: string[];
  /** Set by the access check on a fleet-wide read: only these environments' containers are shown. */
  envs?: string[];
} & Asked;

export const statusHelp = {
  name: "status",
  usage: "/status [<project>] [<env>]",
  description:
    "What runs where, read live from the hosts: version, digest, state, health, uptime, config revision.",
  examples: ["/status", "/status a1", "/status a1 beta", "/status beta"],
};

/** What a fleet read names: `[<project>] [<env>]`, or one word that is either; the hosts it reads. */
export type ReadScope = { project?: string; env?: string; hosts: string[] };

/** The scope of `/status`-like reads, or why the words name none (without the usage line). */
export function readScope(words: readonly string[], fleet: CommandContext["fleet"]): Result<ReadScope> {
  if (words.length > 2) return usage(`too many words: \`${truncateWord(words.slice(2).join(" "))}\``);
  let project: string | undefined;
  let env: string | undefined;
  const [first, second] = words;
  if (first !== undefined) {
    // One word may name either a project or an environment ("/status beta").
    if (second === undefined && !(first in fleet.projects) && first in fleet.environments) env = first;
    else {
      const why = badProject(fleet, first);
      if (why) return usage(why);
      project = first;
    }
  }
  if (second !== undefined) {
    const why = badEnv(fleet, second);
    if (why) return usage(why);
    env = second;
  }
  const hosts = env ? [...(fleet.environments[env]?.hosts ?? [])] : Object.keys(fleet.hosts);
  return planned({ ...(project ? { project } : {}), ...(env ? { env } : {}), hosts });
}

export function planStatus(text: string, ctx: CommandContext): Result<StatusPlan> {
  const parsed = wordsOnly(text, statusHelp.usage);
  if (!parsed.ok) return parsed;
  const scope = readScope(parsed.plan, ctx.fleet);
  if (!scope.ok) return usage(`${scope.message}\nUsage: \`${statusHelp.usage}\``);
  return planned({ kind: "status", ...scope.plan, ...askedBy(ctx) });
}
