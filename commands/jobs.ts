import { type Asked, askedBy, type CommandContext } from "./context.js";
import { intOption, oneWord, wordsOnly } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";

/** `envs`, set by the access check when the requester may not read every environment, limits what is shown. */
export type JobsPlan = { kind: "jobs"; count: number; envs?: string[] } & Asked;
export type JobPlan = { kind: "job"; id: string; envs?: string[] } & Asked;
export type CancelPlan = { kind: "cancel"; id: string } & Asked;

/** Job ids the bot makes: `deploy-<deployId>-<host>`, `prune-<requestId>-<host>`; never ":". */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const jobsHelp = {
  name: "jobs",
  usage: "/jobs [<n>]",
  description:
    "Queued and running jobs, and the last n finished or failed ones (default 10, at most 50): who, what, when.",
  examples: ["/jobs", "/jobs 30"],
};

export const jobHelp = {
  name: "job",
  usage: "/job <id>",
  description: "One job: its state, steps, log and result (ids come from `/jobs`).",
  examples: ["/job deploy-m3x9k2a1-serverA"],
};

export const cancelHelp = {
  name: "cancel",
  usage: "/cancel <id>",
  description:
    "Remove a job that has not started yet, or stop a running build before it pushes; other running jobs cannot be cancelled.",
  examples: ["/cancel deploy-m3x9k2a1-serverA"],
};

export function planJobs(text: string, ctx: CommandContext): Result<JobsPlan> {
  const words = wordsOnly(text, jobsHelp.usage);
  if (!words.ok) return words;
  const fail = (why: string) => usage(`${why}\nUsage: \`${jobsHelp.usage}\``);
  if (words.plan.length > 1)
    return fail(`too many words: \`${truncateWord(words.plan.slice(1).join(" "))}\``);
  const count = words.plan[0] === undefined ? planned(10) : intOption("n", words.plan[0], 1, 50);
  if (!count.ok) return fail(count.message);
  return planned({ kind: "jobs", count: count.plan, ...askedBy(ctx) });
}

function jobId(text: string, help: { usage: string }): Result<string> {
  const missing = "name one job id; `/jobs` lists them";
  const word = oneWord(text, help.usage, { none: missing, many: missing });
  if (!word.ok || JOB_ID_PATTERN.test(word.plan)) return word;
  return usage(
    `\`${truncateWord(word.plan)}\` is not a job id; \`/jobs\` lists them\nUsage: \`${help.usage}\``,
  );
}

export function planJob(text: string, ctx: CommandContext): Result<JobPlan> {
  const id = jobId(text, jobHelp);
  return id.ok ? planned({ kind: "job", id: id.plan, ...askedBy(ctx) }) : id;
}

export function planCancel(text: string, ctx: CommandContext): Result<CancelPlan> {
  const id = jobId(text, cancelHelp);
  return id.ok ? planned({ kind: "cancel", id: id.plan, ...askedBy(ctx) }) : id;
}
