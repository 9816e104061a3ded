import type { ConfigPlan } from "../../commands/config.js";
import { type Plan, resolveCommand } from "../../commands/index.js";
import type { Result } from "../../commands/result.js";
import { maskValue } from "../secrets/mask.js";

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/**
 * The command as the audit trail (and its log line) stores it, read from the parser's own result
 * rather than guessed from the text again: the name comes from `resolveCommand`, as `planCommand`
 * read it (`/ops CONFIG Set` is `/ops config`). `/config` is the one command whose arguments
 * are values, so it is rebuilt from its plan — keys, never values — and a `/config` the parser
 * did not understand stores no arguments at all (its words could be a secret typed in the wrong
 * place). So does a command that does not exist. Other commands keep their text, with the value
 * of every `KEY=VALUE` and every `--secret` argument masked as a second line of defence.
 */
export function auditCommandText(command: string, text: string, result: Result<Plan>): string {
  const resolved = resolveCommand(command, text);
  if (!resolved.known) return `${resolved.shown} (unknown command; arguments not stored)`;
  if (resolved.name === "config") {
    if (!result.ok) return `${resolved.shown} (not understood; arguments not stored)`;
    return `${resolved.shown} ${result.plan.kind === "config" ? configArguments(result.plan) : result.plan.kind}`;
  }
  return `${resolved.shown} ${maskCommandText(resolved.text.trim())}`.trim();
}

/** A config plan's arguments, with every value as `••••`: the trail keeps which keys changed. */
function configArguments(plan: ConfigPlan): string {
  const head = `${plan.op} ${plan.project} ${plan.env}`;
  switch (plan.op) {
    case "set":
      return `${head} ${plan.entries.map((e) => `${e.key}=••••${e.secret ? " (secret)" : ""}`).join(" ")}`;
    case "unset":
      return `${head} ${plan.keys.join(" ")}`;
    case "get":
      return `${head} ${plan.key}`;
    case "diff":
      return `${head} ${plan.otherEnv}`;
    case "revert":
      return `${head} r${plan.revision}`;
    case "list":
    case "history":
      return head;
  }
}

/**
 * Command text with the value of every `KEY=VALUE` word masked, and so is the word after
 * `--secret` (or in `--secret=...`). Every value, not only secret-looking keys: the text alone
 * cannot tell a key once set as a secret.
 */
export function maskCommandText(text: string): string {
  let secretNext = false;
  return text
    .split(/(\s+)/)
    .map((word) => {
      if (word === "" || /^\s+$/.test(word)) return word;
      if (word.toLowerCase() === "--secret") {
        secretNext = true;
        return word;
      }
      const inline = /^--secret=(.*)$/is.exec(word);
      const rest = inline ? (inline[1] as string) : word;
      const prefix = inline ? "--secret=" : "";
      const forced = secretNext || inline !== null;
      secretNext = false;
      const assignment = ASSIGNMENT.exec(rest);
      if (assignment) return `${prefix}${assignment[1]}=${maskValue(stripQuotes(assignment[2] as string))}`;
      return forced ? `${prefix}${maskValue(rest)}` : word;
    })
    .join("");
}

function stripQuotes(value: string): string {
  return value.replace(/^["']|["']$/g, "");
}
