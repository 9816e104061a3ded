import { type Asked, askedBy, type CommandContext } from "./context.js";
import { intOption, parseOptions } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { projectEnvArgs } from "./targets.js";

export type HistoryPlan = { kind: "history"; project: string; env: string; count: number } & Asked;

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
  const args = projectEnvArgs(ctx.fleet, options.plan.words, 1);
  if (!args.ok) return fail(args.message);
  const [n] = args.plan.rest;
  const count = n === undefined ? planned(10) : intOption("n", n, 1, 50);
  if (!count.ok) return fail(count.message);
  return planned({
    kind: "history",
    project: args.plan.project,
    env: args.plan.env,
    count: count.plan,
    ...askedBy(ctx),
  });
}
