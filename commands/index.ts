import {
  type AlertsPlan,
  alertsHelp,
  planAlerts,
  planSilence,
  type SilencePlan,
  silenceHelp,
} from "./alerts.js";
import type { CommandContext } from "./context.js";
import { type DeployPlan, deployHelp, planDeploy } from "./deploy.js";
import { type HelpEntry, type HelpPlan, renderHelp } from "./help.js";
import { LIFECYCLE_HELP, type LifecyclePlan, planLifecycle } from "./lifecycle.js";
import { planned, type Result, usage } from "./result.js";
import { closest, truncateWord } from "./suggest.js";
import { MAX_COMMAND_LENGTH, tokenize } from "./tokenize.js";

export type Plan = DeployPlan | HelpPlan | LifecyclePlan | SilencePlan | AlertsPlan;

type CommandModule = HelpEntry & { plan: (text: string, ctx: CommandContext) => Result<Plan> };

const opsHelp: HelpEntry = {
  name: "ops",
  usage: "/ops <command> ...",
  description: "Run any command below through one slash command, e.g. `/ops deploy a1 beta`.",
  examples: ["/ops help", "/ops deploy a1 beta serverA"],
};

/** Every chat command the bot registers; the Slack manifest and help text are read from this list. */
export const COMMANDS: readonly CommandModule[] = [
  { ...deployHelp, plan: planDeploy },
  { ...LIFECYCLE_HELP.restart, plan: planLifecycle("restart") },
  { ...LIFECYCLE_HELP.stop, plan: planLifecycle("stop") },
  { ...LIFECYCLE_HELP.start, plan: planLifecycle("start") },
  { ...silenceHelp, plan: planSilence },
  { ...alertsHelp, plan: planAlerts },
];

export const SLASH_COMMANDS: readonly string[] = [...COMMANDS.map((c) => c.name), opsHelp.name];

const help = (text: string): Result<Plan> => planned({ kind: "help", text });

/**
 * Turns the text of a slash command into a validated plan, or a usage message.
 * `command` is the slash command without "/" ("deploy", "ops").
 */
export function planCommand(command: string, text: string, ctx: CommandContext): Result<Plan> {
  if (text.length > MAX_COMMAND_LENGTH) {
    return usage(`that command is ${text.length} characters long; the limit is ${MAX_COMMAND_LENGTH}`);
  }
  const name = command.replace(/^\//, "").toLowerCase();
  if (name === "ops") {
    const { words } = tokenize(text);
    const verb = words[0]?.toLowerCase();
    if (verb === undefined || verb === "help") {
      const about = words[1] && COMMANDS.find((c) => c.name === words[1]?.toLowerCase());
      return help(renderHelp(COMMANDS, about || undefined));
    }
    const rest = text.trim().slice(text.trim().indexOf(words[0] as string) + (words[0] as string).length);
    return planCommand(verb, rest, ctx);
  }
  const module = COMMANDS.find((c) => c.name === name);
  if (!module) {
    const guess = closest(name, SLASH_COMMANDS);
    const known = COMMANDS.map((c) => `\`${c.name}\``).join(", ");
    return usage(
      `unknown command \`${truncateWord(name)}\`${guess ? `; did you mean \`${guess}\`?` : ""}. Known commands: ${known}. Try \`/ops help\`.`,
    );
  }
  const { words } = tokenize(text);
  if (words.length === 1 && words[0]?.toLowerCase() === "help") return help(renderHelp(COMMANDS, module));
  return module.plan(text, ctx);
}
