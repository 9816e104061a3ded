import type { CommandContext } from "./context.js";
import { oneWord } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { badFleetHost } from "./targets.js";

/** Host-wide, so it has no environment; dangling images are used by no container. */
export type PrunePlan = { kind: "prune"; host: string; requestedBy: string; channel: string };

export const pruneHelp = {
  name: "prune",
  usage: "/prune <host>",
  description:
    "Remove dangling images (no tag, used by no container) and the build cache on a host. Old containers are kept per project up to its `keep`.",
  examples: ["/prune serverA"],
};

export function planPrune(text: string, ctx: CommandContext): Result<PrunePlan> {
  const word = oneWord(text, pruneHelp.usage, { none: "name a host", many: "name one host" });
  if (!word.ok) return word;
  const why = badFleetHost(ctx.fleet, word.plan);
  if (why) return usage(`${why}\nUsage: \`${pruneHelp.usage}\``);
  return planned({ kind: "prune", host: word.plan, requestedBy: ctx.user, channel: ctx.channel });
}
