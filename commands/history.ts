import type { CommandContext } from "./context.js";
import { intOption, parseOptions } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { envNamed, projectNamed } from "./targets.js";

export type HistoryPlan = { kind: "history"; project: string; env: string; count: number };

export const historyHelp = {
  name: "history",
  usage: "/history <project> <env> [<n>]",
  description:
    "The last n deploys (default 10, at most 50): who, when, version, digest, hosts, result, duration.",
  examples: ["/history a1 beta", "/history a1 prod 25"],
};

export function planHistory(text: string, ctx: CommandContext): Result<HistoryPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${historyHelp.usage}\``);
  const options = parseOptions(text, {});
  if (!options.ok) return fail(options.message);
  const { words } = options.plan;
  if (words.length < 2) return fail("name a project and an environment");
  if (words.length > 3) return fail(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
  const project = projectNamed(ctx.fleet, words[0] as string);
  if (!project.ok) return fail(project.message);
  const env = envNamed(ctx.fleet, words[1] as string);
  if (!env.ok) return fail(env.message);
  const count = words[2] === undefined ? planned(10) : intOption("n", words[2], 1, 50);
  if (!count.ok) return fail(count.message);
  return planned({ kind: "history", project: project.plan, env: env.plan, count: count.plan });
}
