import { NAME_PATTERN } from "../src/names.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type AuditPlan = {
  kind: "audit";
  project?: string;
  env?: string;
  count: number;
  /** Set by the access check when the requester may not read every environment. */
  envs?: string[];
  requestedBy: string;
  channel: string;
};

export const auditHelp = {
  name: "audit",
  usage: "/audit [<project>] [<env>] [<n>]",
  description:
    "Show the latest audit entries (commands, approvals, denials, jobs), newest first; n up to 100 (default 20).",
  examples: ["/audit", "/audit a1 prod", "/audit prod 50"],
};

export const MAX_AUDIT_ENTRIES = 100;

/** Words in any order: a number is the count, a project name the project, an env name the env. */
export function planAudit(text: string, ctx: CommandContext): Result<AuditPlan> {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${auditHelp.usage}\``);
  const [flag] = flags;
  if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length > 3) return fail(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
  const { fleet } = ctx;
  let project: string | undefined;
  let env: string | undefined;
  let count: number | undefined;
  for (const word of words) {
    if (/^\d+$/.test(word) && count === undefined) {
      count = Number(word);
      if (count < 1 || count > MAX_AUDIT_ENTRIES)
        return fail(`show between 1 and ${MAX_AUDIT_ENTRIES} entries`);
    } else if (NAME_PATTERN.test(word) && word in fleet.projects && project === undefined) {
      project = word;
    } else if (NAME_PATTERN.test(word) && word in fleet.environments && env === undefined) {
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
    kind: "audit",
    ...(project ? { project } : {}),
    ...(env ? { env } : {}),
    count: count ?? 20,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}
