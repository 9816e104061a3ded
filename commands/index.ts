import {
  type AlertsPlan,
  alertsHelp,
  planAlerts,
  planSilence,
  type SilencePlan,
  silenceHelp,
} from "./alerts.js";
import { type AuditPlan, auditHelp, planAudit } from "./audit.js";
import { type BuildPlan, buildHelp, planBuild } from "./build.js";
import { type ConfigPlan, configHelp, planConfig } from "./config.js";
import type { CommandContext } from "./context.js";
import { type DeployPlan, deployHelp, planDeploy } from "./deploy.js";
import { envHelp, planEnv } from "./env.js";
import { type ExecPlan, execHelp, planExec } from "./exec.js";
import { type HelpEntry, type HelpPlan, renderHelp } from "./help.js";
import { type HistoryPlan, historyHelp, planHistory } from "./history.js";
import { type HostsPlan, hostsHelp, planHosts } from "./hosts.js";
import { type ImagesPlan, imagesHelp, planImages } from "./images.js";
import {
  type CancelPlan,
  cancelHelp,
  type JobPlan,
  type JobsPlan,
  jobHelp,
  jobsHelp,
  planCancel,
  planJob,
  planJobs,
} from "./jobs.js";
import { LIFECYCLE_HELP, type LifecyclePlan, planLifecycle } from "./lifecycle.js";
import { type LockPlan, lockHelp, planLock, planUnlock, type UnlockPlan, unlockHelp } from "./lock.js";
import { type LogsPlan, logsHelp, planLogs } from "./logs.js";
import { type MaintenancePlan, maintenanceHelp, planMaintenance } from "./maintenance.js";
import { type PromotePlan, planPromote, promoteHelp } from "./promote.js";
import { type ProxyPlan, planProxy, proxyHelp } from "./proxy.js";
import { type PrunePlan, planPrune, pruneHelp } from "./prune.js";
import { planReport, type ReportPlan, reportHelp } from "./report.js";
import { planned, type Result, usage } from "./result.js";
import { planRollback, type RollbackPlan, rollbackHelp } from "./rollback.js";
import { planScale, type ScalePlan, scaleHelp } from "./scale.js";
import { planStats, type StatsPlan, statsHelp } from "./stats.js";
import { planStatus, type StatusPlan, statusHelp } from "./status.js";
import { closest, truncateWord, unknownName } from "./suggest.js";
import { MAX_COMMAND_LENGTH, tokenize } from "./tokenize.js";

export type Plan =
  | DeployPlan
  | HelpPlan
  | ConfigPlan
  | StatusPlan
  | StatsPlan
  | HostsPlan
  | HistoryPlan
  | ReportPlan
  | LogsPlan
  | ImagesPlan
  | JobsPlan
  | JobPlan
  | CancelPlan
  | PrunePlan
  | ProxyPlan
  | RollbackPlan
  | PromotePlan
  | ScalePlan
  | ExecPlan
  | LockPlan
  | UnlockPlan
  | AuditPlan
  | LifecyclePlan
  | MaintenancePlan
  | SilencePlan
  | AlertsPlan
  | BuildPlan;

type CommandModule = HelpEntry & { plan: (text: string, ctx: CommandContext) => Result<Plan> };

export const opsHelp: HelpEntry = {
  name: "ops",
  usage: "/ops <command> ...",
  description: "Run any command below through one slash command, e.g. `/ops deploy a1 beta`.",
  examples: ["/ops help", "/ops deploy a1 beta serverA"],
};

/** Every chat command the bot registers; the Slack manifest and help text are read from this list. */
export const COMMANDS: readonly CommandModule[] = [
  { ...deployHelp, plan: planDeploy },
  { ...configHelp, plan: planConfig },
  { ...envHelp, plan: planEnv },
  { ...statusHelp, plan: planStatus },
  { ...statsHelp, plan: planStats },
  { ...hostsHelp, plan: planHosts },
  { ...historyHelp, plan: planHistory },
  { ...reportHelp, plan: planReport },
  { ...logsHelp, plan: planLogs },
  { ...imagesHelp, plan: planImages },
  { ...jobsHelp, plan: planJobs },
  { ...jobHelp, plan: planJob },
  { ...cancelHelp, plan: planCancel },
  { ...pruneHelp, plan: planPrune },
  { ...rollbackHelp, plan: planRollback },
  { ...promoteHelp, plan: planPromote },
  { ...scaleHelp, plan: planScale },
  { ...execHelp, plan: planExec },
  { ...lockHelp, plan: planLock },
  { ...unlockHelp, plan: planUnlock },
  { ...auditHelp, plan: planAudit },
  { ...LIFECYCLE_HELP.restart, plan: planLifecycle("restart") },
  { ...LIFECYCLE_HELP.stop, plan: planLifecycle("stop") },
  { ...LIFECYCLE_HELP.start, plan: planLifecycle("start") },
  { ...maintenanceHelp, plan: planMaintenance },
  { ...proxyHelp, plan: planProxy },
  { ...silenceHelp, plan: planSilence },
  { ...alertsHelp, plan: planAlerts },
  { ...buildHelp, plan: planBuild },
];

export const SLASH_COMMANDS: readonly string[] = [...COMMANDS.map((c) => c.name), opsHelp.name];

const help = (text: string): Result<Plan> => planned({ kind: "help", text });

/** The command a text runs, as `planCommand` reads it; `shown` is how to name it (`/ops config`). */
export type ResolvedCommand = { name: string; text: string; shown: string; known: boolean };

/**
 * `/ops config set …` runs `config` with `set …`; `/ops`, `/ops help …` stay `ops`. The one place
 * that reads the command name, so the audit trail sees exactly what the parser saw.
 */
export function resolveCommand(command: string, text: string): ResolvedCommand {
  const name = command.replace(/^\//, "").toLowerCase();
  if (name !== "ops") {
    return { name, text, shown: `/${name}`, known: COMMANDS.some((c) => c.name === name) };
  }
  const { words } = tokenize(text);
  const verb = words[0]?.toLowerCase();
  if (verb === undefined || verb === "help") return { name, text, shown: "/ops", known: true };
  const rest = text.trim().slice(text.trim().indexOf(words[0] as string) + (words[0] as string).length);
  const inner = resolveCommand(verb, rest);
  return { ...inner, shown: inner.known ? `/ops ${inner.shown.slice(1)}` : "/ops" };
}

/**
 * Turns the text of a slash command into a validated plan, or a usage message.
 * `command` is the slash command without "/" ("deploy", "ops").
 */
export function planCommand(command: string, text: string, ctx: CommandContext): Result<Plan> {
  if (text.length > MAX_COMMAND_LENGTH) {
    return usage(`that command is ${text.length} characters long; the limit is ${MAX_COMMAND_LENGTH}`);
  }
  const resolved = resolveCommand(command, text);
  const { name } = resolved;
  if (name === "ops") {
    const { words } = tokenize(resolved.text);
    const asked = words[1]?.replace(/^\//, "").toLowerCase();
    const about = asked ? COMMANDS.find((c) => c.name === asked) : undefined;
    if (asked && !about)
      return usage(
        unknownName(
          "command",
          asked,
          COMMANDS.map((c) => c.name),
        ),
      );
    return help(renderHelp(COMMANDS, about));
  }
  const module = COMMANDS.find((c) => c.name === name);
  if (!module) {
    const guess = closest(name, SLASH_COMMANDS);
    const known = COMMANDS.map((c) => `\`${c.name}\``).join(", ");
    return usage(
      `unknown command \`${truncateWord(name)}\`${guess ? `; did you mean \`${guess}\`?` : "."} Known commands: ${known}. Try \`/ops help\`.`,
    );
  }
  const { words } = tokenize(resolved.text);
  if (words.length === 1 && words[0]?.toLowerCase() === "help") return help(renderHelp(COMMANDS, module));
  return module.plan(resolved.text, ctx);
}
