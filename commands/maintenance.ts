import { defaultMaintenanceMessage, MAX_MAINTENANCE_MESSAGE } from "../src/jobs/schemas.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import type { HelpEntry } from "./help.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badEnv, badProject } from "./targets.js";

/** The proxy of every host of the environment answers 503 for the project, or serves it again. */
export type MaintenancePlan = {
  kind: "maintenance";
  on: boolean;
  project: string;
  env: string;
  hosts: string[];
  /** What the 503 says; set only with `on`. */
  message?: string;
  requestedBy: string;
  channel: string;
  /** Taking a service down on purpose follows the environment's rule, as `/stop` does. */
  approval?: ApprovalRule;
};

export const maintenanceHelp: HelpEntry = {
  name: "maintenance",
  usage: "/maintenance <project> <env> on [message] | off",
  description:
    "Make the proxy answer 503 with your message (and Retry-After) for a project behind it, on every host of the environment; `off` serves it again.",
  examples: ["/maintenance site prod on Moving the database, back by 18:00", "/maintenance site prod off"],
};

export function planMaintenance(text: string, ctx: CommandContext): Result<MaintenancePlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${maintenanceHelp.usage}\``);
  // Not `tokenize`: the message is free text, and a word in it may start with "--".
  const words = text
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== "");
  if (words.length < 2) return fail("name a project and an environment");
  const [project, env, state] = words as [string, string, string | undefined];
  const why = badProject(ctx.fleet, project) ?? badEnv(ctx.fleet, env);
  if (why) return fail(why);
  if (!ctx.fleet.projects[project]?.proxy) {
    return usage(
      `*${project}* is not behind the proxy (no \`proxy:\` in the fleet file), so nothing can answer for it while it is down. Use \`/stop ${project} ${env}\`, or put it behind the proxy first (see the proxy guide).`,
    );
  }
  const choice = state?.toLowerCase();
  if (choice !== "on" && choice !== "off") {
    return fail(
      state === undefined ? "say `on` or `off`" : `say \`on\` or \`off\`, not \`${truncateWord(state)}\``,
    );
  }
  const message = words.slice(3).join(" ");
  if (choice === "off" && message !== "")
    return fail(`\`off\` takes no message: \`${truncateWord(message)}\``);
  if (/[{}]/.test(message))
    return fail("leave `{` and `}` out of the message: the proxy would read them as placeholders");
  if (/\p{Cc}/u.test(message)) return fail("the message may not contain control characters");
  if (message.length > MAX_MAINTENANCE_MESSAGE)
    return fail(`keep the message under ${MAX_MAINTENANCE_MESSAGE} characters`);
  const on = choice === "on";
  const approval = on ? approvalFor(ctx.fleet, env) : undefined;
  return planned({
    kind: "maintenance",
    on,
    project,
    env,
    hosts: [...(ctx.fleet.environments[env]?.hosts ?? [])],
    ...(on ? { message: message || defaultMaintenanceMessage(project) } : {}),
    requestedBy: ctx.user,
    channel: ctx.channel,
    ...(approval ? { approval } : {}),
  });
}
