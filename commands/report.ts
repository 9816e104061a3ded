import { MAX_REPORT_DAYS } from "../src/report/weekly-schedule.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { scopeWords } from "./scope-words.js";

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

/** Words in any order: `<n>d` is the window, a project name the project, an env name the env. */
export function planReport(text: string, ctx: CommandContext): Result<ReportPlan> {
  const scope = scopeWords(text, ctx, {
    matches: (word) => /^\d{1,3}d$/i.test(word),
    read: (word) => {
      const days = Number.parseInt(word, 10);
      return days < 1 || days > MAX_REPORT_DAYS
        ? usage(`report on 1 to ${MAX_REPORT_DAYS} days`)
        : planned(days);
    },
  });
  if (!scope.ok) return usage(`${scope.message}\nUsage: \`${reportHelp.usage}\``);
  const { project, env, value } = scope.plan;
  return planned({
    kind: "report",
    ...(project ? { project } : {}),
    ...(env ? { env } : {}),
    days: value ?? 7,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}
