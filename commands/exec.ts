import { isAllowed } from "../src/fleet/exec-allow.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badEnv, badHost, badProject } from "./targets.js";

export type ExecPlan = {
  kind: "exec";
  project: string;
  env: string;
  host: string;
  /** Passed to Docker as an array: no shell ever reads it. */
  argv: string[];
  requestedBy: string;
  channel: string;
  approval?: ApprovalRule;
};

export const execHelp = {
  name: "exec",
  usage: "/exec <project> <env> <host> -- <command> [args...]",
  description:
    "Run a command allowed by the project's `exec.allow` in its running container (no shell), and show the output to you.",
  examples: ["/exec a1 beta serverA -- nginx -t", "/exec a1 prod serverB -- nginx -s reload"],
};

const MAX_ARGS = 64;

export function planExec(text: string, ctx: CommandContext): Result<ExecPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${execHelp.usage}\``);
  // Not tokenize(): words after "--" are the command's own, flags included.
  const all = text
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== "");
  const split = all.indexOf("--");
  if (split === -1) return fail("put `--` between the host and the command");
  const words = all.slice(0, split);
  const argv = all.slice(split + 1);
  if (words.length !== 3) return fail("name a project, an environment and a host before `--`");
  if (argv.length === 0) return fail("name the command after `--`");
  if (argv.length > MAX_ARGS) return fail(`at most ${MAX_ARGS} arguments`);
  const [project, env, host] = words as [string, string, string];
  const { fleet } = ctx;
  const why = badProject(fleet, project) ?? badEnv(fleet, env) ?? badHost(fleet, env, host);
  if (why) return fail(why);
  const allow = fleet.projects[project]?.exec.allow ?? [];
  if (!isAllowed(allow, argv)) {
    const shown = truncateWord(argv.join(" "));
    return usage(
      allow.length === 0
        ? `\`${shown}\` was not run: ${project} allows no commands (add \`exec: { allow: [...] }\` to it in the fleet file)`
        : `\`${shown}\` was not run: ${project} allows only commands starting with ${allow.map((a) => `\`${a}\``).join(", ")}`,
    );
  }
  const approval = approvalFor(fleet, env);
  return planned({
    kind: "exec",
    project,
    env,
    host,
    argv,
    requestedBy: ctx.user,
    channel: ctx.channel,
    ...(approval ? { approval } : {}),
  });
}
