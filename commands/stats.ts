import { type Asked, askedBy, type CommandContext } from "./context.js";
import { wordsOnly } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { readScope } from "./status.js";

export type StatsPlan = {
  kind: "stats";
  project?: string;
  env?: string;
  hosts: string[];
  /** Set by the access check on a fleet-wide read: only these environments' containers are shown. */
  envs?: string[];
} & Asked;

export const statsHelp = {
  name: "stats",
  usage: "/stats [<project>] [<env>]",
  description:
    "Resource usage read live from the hosts: CPU, memory, restarts and network per container; CPUs, memory and Docker disk usage per host.",
  examples: ["/stats", "/stats a1", "/stats a1 beta", "/stats prod"],
};

export function planStats(text: string, ctx: CommandContext): Result<StatsPlan> {
  const parsed = wordsOnly(text, statsHelp.usage);
  if (!parsed.ok) return parsed;
  const scope = readScope(parsed.plan, ctx.fleet);
  if (!scope.ok) return usage(`${scope.message}\nUsage: \`${statsHelp.usage}\``);
  return planned({ kind: "stats", ...scope.plan, ...askedBy(ctx) });
}
