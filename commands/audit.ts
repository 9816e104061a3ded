import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { scopeWords } from "./scope-words.js";

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
  const scope = scopeWords(text, ctx, {
    matches: (word) => /^\d+$/.test(word),
    read: (word) => {
      const count = Number(word);
      return count < 1 || count > MAX_AUDIT_ENTRIES
        ? usage(`show between 1 and ${MAX_AUDIT_ENTRIES} entries`)
        : planned(count);
    },
  });
  if (!scope.ok) return usage(`${scope.message}\nUsage: \`${auditHelp.usage}\``);
  const { project, env, value } = scope.plan;
  return planned({
    kind: "audit",
    ...(project ? { project } : {}),
    ...(env ? { env } : {}),
    count: value ?? 20,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}
