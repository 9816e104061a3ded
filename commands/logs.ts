import type { CommandContext } from "./context.js";
import { durationOption, intOption, parseOptions } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { badHostChoice, chosenHosts, projectEnvArgs } from "./targets.js";

export type LogsPlan = {
  kind: "logs";
  project: string;
  env: string;
  hosts: string[];
  tail: number;
  /** Only lines from the last `sinceMs` milliseconds. */
  sinceMs?: number;
  requestedBy: string;
  channel: string;
};

export const DEFAULT_TAIL = 100;
export const MAX_TAIL = 5_000;
const MAX_SINCE_MS = 30 * 86_400_000;

export const logsHelp = {
  name: "logs",
  usage: "/logs <project> <env> [<host>] [--tail N] [--since 10m]",
  description: `The last lines the project's running container printed on each host (default ${DEFAULT_TAIL}, at most ${MAX_TAIL}); secret values are masked, long output comes as a file.`,
  examples: ["/logs a1 beta", "/logs a1 beta serverA --tail 500", "/logs a1 prod --since 10m"],
};

export function planLogs(text: string, ctx: CommandContext): Result<LogsPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${logsHelp.usage}\``);
  const options = parseOptions(text, { valued: ["tail", "since"] });
  if (!options.ok) return fail(options.message);
  const { words, values } = options.plan;
  const args = projectEnvArgs(ctx.fleet, words, 1);
  if (!args.ok) return fail(args.message);
  const { project, env, rest } = args.plan;
  const hostWhy = badHostChoice(ctx.fleet, env, rest[0]);
  if (hostWhy) return fail(hostWhy);
  const tail =
    values.tail === undefined ? planned(DEFAULT_TAIL) : intOption("--tail", values.tail, 1, MAX_TAIL);
  if (!tail.ok) return fail(tail.message);
  const since =
    values.since === undefined ? undefined : durationOption("--since", values.since, MAX_SINCE_MS);
  if (since && !since.ok) return fail(since.message);
  return planned({
    kind: "logs",
    project,
    env,
    hosts: chosenHosts(ctx.fleet, env, rest[0]),
    tail: tail.plan,
    ...(since ? { sinceMs: since.plan } : {}),
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}
