import { NAME_PATTERN } from "../src/names.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import type { HelpEntry } from "./help.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type LifecycleAction = "restart" | "stop" | "start";

/** Restart, stop or start the current container of a project+env on some hosts. */
export type LifecyclePlan = {
  kind: "lifecycle";
  action: LifecycleAction;
  project: string;
  env: string;
  hosts: string[];
  requestedBy: string;
  channel: string;
  /** Only `stop` takes a service down on purpose, so only `stop` follows the approval rule. */
  approval?: ApprovalRule;
};

const entry = (action: LifecycleAction, description: string, example: string): HelpEntry => ({
  name: action,
  usage: `/${action} <project> <env> [<host>|all]`,
  description,
  examples: [`/${action} a1 beta`, `/${action} a1 beta ${example}`],
});

export const LIFECYCLE_HELP: Record<LifecycleAction, HelpEntry> = {
  restart: entry("restart", "Restart the project's running container on the environment's hosts.", "serverA"),
  stop: entry(
    "stop",
    "Stop the project's container (the monitor will not report it missing until `/start` or a deploy).",
    "serverB",
  ),
  start: entry("start", "Start the project's current (last deployed) container again.", "serverA"),
};

export function planLifecycle(action: LifecycleAction) {
  return (text: string, ctx: CommandContext): Result<LifecyclePlan> => {
    const { words, flags } = tokenize(text);
    const fail = (why: string) => usage(`${why}\nUsage: \`${LIFECYCLE_HELP[action].usage}\``);
    const [flag] = flags;
    if (flag !== undefined) return fail(`unknown option \`--${truncateWord(flag)}\``);
    if (words.length < 2) return fail("name a project and an environment");
    if (words.length > 3) return fail(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
    const [projectName, envName, hostWord] = words as [string, string, string | undefined];
    const { fleet } = ctx;
    if (!NAME_PATTERN.test(projectName) || !fleet.projects[projectName]) {
      return fail(unknownName("project", projectName, Object.keys(fleet.projects)));
    }
    const env = NAME_PATTERN.test(envName) ? fleet.environments[envName] : undefined;
    if (!env) return fail(unknownName("environment", envName, Object.keys(fleet.environments)));
    let hosts = env.hosts;
    if (hostWord !== undefined && hostWord !== "all") {
      if (!NAME_PATTERN.test(hostWord) || !env.hosts.includes(hostWord)) {
        const inFleet = NAME_PATTERN.test(hostWord) && hostWord in fleet.hosts;
        return fail(
          inFleet
            ? `host \`${hostWord}\` is not in environment \`${envName}\` (its hosts: ${env.hosts.join(", ")})`
            : unknownName("host", hostWord, env.hosts),
        );
      }
      hosts = [hostWord];
    }
    const approval = action === "stop" ? approvalFor(fleet, envName) : undefined;
    return planned({
      kind: "lifecycle",
      action,
      project: projectName,
      env: envName,
      hosts: [...hosts],
      requestedBy: ctx.user,
      channel: ctx.channel,
      ...(approval ? { approval } : {}),
    });
  };
}
