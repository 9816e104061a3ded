import { formatDuration, parseDuration } from "../src/fleet/duration.js";
import { NAME_PATTERN } from "../src/names.js";
import type { CommandContext } from "./context.js";
import type { HelpEntry } from "./help.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type SilencePlan = {
  kind: "silence";
  project: string;
  env: string;
  durationMs: number;
  requestedBy: string;
  channel: string;
};

/** `envs`, set by the access check when the requester may not read every environment, limits what is shown. */
export type AlertsPlan = { kind: "alerts"; envs?: string[]; requestedBy: string; channel: string };

export const MAX_SILENCE_MS = 7 * 24 * 3_600_000;

export const silenceHelp: HelpEntry = {
  name: "silence",
  usage: "/silence <project> <env> <duration>",
  description:
    "Post no new alerts about the project in the environment for a while (at most 7d; `0` ends it).",
  examples: ["/silence a1 beta 1h", "/silence a1 prod 30m", "/silence a1 beta 0"],
};

export const alertsHelp: HelpEntry = {
  name: "alerts",
  usage: "/alerts",
  description: "List open alerts and active silences.",
  examples: ["/alerts"],
};

export function planSilence(text: string, ctx: CommandContext): Result<SilencePlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${silenceHelp.usage}\``);
  const [flag] = flags;
  if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length !== 3) return fail("name a project, an environment and a duration such as 1h");
  const [projectName, envName, durationText] = words as [string, string, string];
  const { fleet } = ctx;
  if (!NAME_PATTERN.test(projectName) || !fleet.projects[projectName]) {
    return fail(unknownName("project", projectName, Object.keys(fleet.projects)));
  }
  if (!NAME_PATTERN.test(envName) || !fleet.environments[envName]) {
    return fail(unknownName("environment", envName, Object.keys(fleet.environments)));
  }
  const durationMs = parseDuration(durationText);
  if (durationMs === undefined)
    return fail(`\`${truncateWord(durationText)}\` is not a duration; write e.g. 30m or 1h`);
  if (durationMs > MAX_SILENCE_MS) return fail(`at most ${formatDuration(MAX_SILENCE_MS)} (7d)`);
  return planned({
    kind: "silence",
    project: projectName,
    env: envName,
    durationMs,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}

export function planAlerts(text: string, ctx: CommandContext): Result<AlertsPlan> {
  const { words, flags } = tokenize(text);
  if (words.length > 0 || flags.size > 0) {
    return usage(`\`/alerts\` takes no arguments\nUsage: \`${alertsHelp.usage}\``);
  }
  return planned({ kind: "alerts", requestedBy: ctx.user, channel: ctx.channel });
}
