import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { hostNamed } from "./targets.js";
import { tokenize } from "./tokenize.js";

/** Host-wide, so it has no environment; dangling images are used by no container. */
export type PrunePlan = { kind: "prune"; host: string; requestedBy: string; channel: string };

export const pruneHelp = {
  name: "prune",
  usage: "/prune <host>",
  description:
    "Remove dangling images (no tag, used by no container) on a host. Old containers are kept per project up to its `keep`.",
  examples: ["/prune serverA"],
};

export function planPrune(text: string, ctx: CommandContext): Result<PrunePlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${pruneHelp.usage}\``);
  const [flag] = flags;
  if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length !== 1) return fail(words.length === 0 ? "name a host" : "name one host");
  const host = hostNamed(ctx.fleet, words[0] as string);
  if (!host.ok) return fail(host.message);
  return planned({ kind: "prune", host: host.plan, requestedBy: ctx.user, channel: ctx.channel });
}
