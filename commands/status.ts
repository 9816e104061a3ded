import { type Asked, askedBy, type CommandContext } from "./context.js";
import { wordsOnly } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { envNamed, projectNamed } from "./targets.js";

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

export function planStatus(text: string, ctx: CommandContext): Result<StatusPlan> {
  const parsed = wordsOnly(text, statusHelp.usage);
  if (!parsed.ok) return parsed;
  const words = parsed.plan;
  const fail = (why: string) => usage(`${why}\nUsage: \`${statusHelp.usage}\``);
  if (words.length > 2) return fail(`too many words: \`${truncateWord(words.slice(2).join(" "))}\``);
  const { fleet } = ctx;
  let project: string | undefined;
  let env: string | undefined;
  const [first, second] = words;
  if (first !== undefined) {
    // One word may name either a project or an environment ("/status beta").
    if (second === undefined && !(first in fleet.projects) && first in fleet.environments) env = first;
    else {
      const p = projectNamed(fleet, first);
      if (!p.ok) return fail(p.message);
      project = p.plan;
    }
  }
  if (second !== undefined) {
    const e = envNamed(fleet, second);
    if (!e.ok) return fail(e.message);
    env = e.plan;
  }
  const hosts = env ? [...(fleet.environments[env]?.hosts ?? [])] : Object.keys(fleet.hosts);
  return planned({
    kind: "status",
    ...(project ? { project } : {}),
    ...(env ? { env } : {}),
    hosts,
    ...askedBy(ctx),
  });
}
