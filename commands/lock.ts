import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { badEnv, badProject, readWords } from "./targets.js";

export type LockPlan = {
  kind: "lock";
  project: string;
  env: string;
  reason: string;
  requestedBy: string;
  channel: string;
};

export type UnlockPlan = {
  kind: "unlock";
  project: string;
  env: string;
  requestedBy: string;
  channel: string;
};

export const lockHelp = {
  name: "lock",
  usage: "/lock <project> <env> <reason>",
  description:
    "Refuse deploys, rollbacks, promotions and scaling of the project in the environment until `/unlock`.",
  examples: ["/lock a1 prod database migration until 18:00"],
};

export const unlockHelp = {
  name: "unlock",
  usage: "/unlock <project> <env>",
  description: "Lift a `/lock`.",
  examples: ["/unlock a1 prod"],
};

const MAX_REASON = 300;

function target(words: string[], ctx: CommandContext): string | undefined {
  const [project, env] = words as [string, string];
  return badProject(ctx.fleet, project) ?? badEnv(ctx.fleet, env);
}

export function planLock(text: string, ctx: CommandContext): Result<LockPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${lockHelp.usage}\``);
  const words = text
    .trim()
    .split(/\s+/u)
    .filter((w) => w !== "");
  if (words.length < 2) return fail("name a project and an environment");
  const why = target(words, ctx);
  if (why) return fail(why);
  // Shown in the channel: no code spans, and no <!channel> or <@U…> mentions smuggled in.
  const reason = words
    .slice(2)
    .join(" ")
    .replace(/[`\r\n]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
  if (reason === "")
    return fail("say why, so whoever is refused knows: `/lock a1 prod migrating the database`");
  if (reason.length > MAX_REASON) return fail(`keep the reason under ${MAX_REASON} characters`);
  return planned({
    kind: "lock",
    project: words[0] as string,
    env: words[1] as string,
    reason,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}

export function planUnlock(text: string, ctx: CommandContext): Result<UnlockPlan> {
  const read = readWords(text, unlockHelp.usage, {
    min: 2,
    max: 2,
    missing: "name a project and an environment",
  });
  if ("ok" in read) return read;
  const { words, fail } = read;
  const why = target(words, ctx);
  if (why) return fail(why);
  return planned({
    kind: "unlock",
    project: words[0] as string,
    env: words[1] as string,
    requestedBy: ctx.user,
    channel: ctx.channel,
  });
}
