import { NAME_PATTERN } from "../src/names.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type ReportPlan = {
  kind: "report";
  project?: string;
  env?: string;
  days: number;
  requestedBy: string;
  channel: string;
};

export const reportHelp = {
  name: "report",
  usage: "/report [<project>] [<env>] [7d|30d|<n>d]",
  description:
    "Delivery report over the last days (default 7d, at most 90d): deploy frequency, lead time from image build to running, change failure rate and time to restore, per project and environment.",
  examples: ["/report", "/report a1 30d", "/report a1 prod"],
};

export const MAX_REPORT_DAYS = 90;

/** Words in any order: `<n>d` is the window, a project name the project, an env name the env. */
export function planReport(text: string, ctx: CommandContext): Result<ReportPlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${reportHelp.usage}\``);
  const [flag] = flags;
  if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length > 3) return fail(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
  const { fleet } = ctx;
  let project: string | undefined;
  let env: string | undefined;
  let days: number | undefined;
  for (const word of words) {
    const window = /^(\d{1,3})d$/i.exec(word);
    if (window && days === undefined) {
      days = Number(window[1]);
      if (days < 1 || days > MAX_REPORT_DAYS) return fail(`report on 1 to ${MAX_REPORT_DAYS} days`);
    } else if (NAME_PATTERN.test(word) && Object.hasOwn(fleet.projects, word) && project === undefined) {
      project = word;
    } else if (NAME_PATTERN.test(word) && Object.hasOwn(fleet.environments, word) && env === undefined) {
      env = word;
    } else {
      return fail(
        unknownName("project or environment", word, [
          ...Object.keys(fleet.projects),
          ...Object.keys(fleet.environments),
        ]),
      );
    }
  }
  return planned({
    kind: "report",
    ...(project ? { project } : {}),
    ...(env ? { env } : {}),
    days: days ?? 7,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}
