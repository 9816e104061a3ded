import { COMMANDS, opsHelp } from "../../commands/index.js";
import { closest } from "../../commands/suggest.js";
import { ConfigError } from "../errors.js";
import { SLACK_BUILT_INS } from "./slack-built-ins.js";

/**
 * Which slash commands a team installed: the umbrella (`/ops`) takes every command as its first
 * word; `topLevel` commands also have their own slash command, named `/<prefix><name>`.
 * The manifest generator and the bot read the same choice, so they cannot disagree.
 */
export type CommandSet = { umbrella: string; prefix: string; topLevel: readonly string[] };

/** The choice as typed: flags of `npm run manifest` or the bot's environment, unparsed. */
export type CommandChoice = { commands?: string; prefix?: string; umbrella?: string };

export type ChoiceProblem = { field: keyof CommandChoice; message: string };

export type ParsedChoice =
  | { ok: true; set: CommandSet; skipped: string[] }
  | { ok: false; problems: ChoiceProblem[] };

/** `/deploy` plus the umbrella: two commands, neither a generic word other apps also use. */
export const DEFAULT_COMMANDS = "deploy";
export const DEFAULT_UMBRELLA = opsHelp.name;

/** Slack's limit on a command's length, the slash included. */
const MAX_SLASH_LENGTH = 32;
const NAME = /^[a-z0-9][a-z0-9_-]*$/;

const names = (): string[] => COMMANDS.map((c) => c.name);

function badName(field: "prefix" | "umbrella", value: string): ChoiceProblem | undefined {
  if (NAME.test(value)) return undefined;
  return {
    field,
    message: `\`${value}\` cannot start a Slack command; use lowercase letters, digits, \`-\` and \`_\``,
  };
}

/**
 * Parses a command choice. `commands` is a comma list of command names, `all` or `none`; without
 * it: `deploy`, or every command when a prefix is given. `all` leaves out names Slack keeps for
 * itself (`/status`), which still work through the umbrella; naming one is a problem.
 */
export function parseCommandChoice(choice: CommandChoice): ParsedChoice {
  const problems: ChoiceProblem[] = [];
  const umbrella = (choice.umbrella ?? DEFAULT_UMBRELLA).trim().replace(/^\//, "");
  const prefix = (choice.prefix ?? "").trim().replace(/^\//, "");
  const umbrellaProblem = badName("umbrella", umbrella);
  if (umbrellaProblem) problems.push(umbrellaProblem);
  else if (names().includes(umbrella))
    problems.push({
      field: "umbrella",
      message: `\`${umbrella}\` is a command itself; name the umbrella something else, e.g. \`ops\``,
    });
  else if (SLACK_BUILT_INS.includes(`/${umbrella}`))
    problems.push({ field: "umbrella", message: `\`/${umbrella}\` is one of Slack's own commands` });
  if (prefix !== "") {
    const prefixProblem = badName("prefix", prefix);
    if (prefixProblem) problems.push(prefixProblem);
  }
  const given = (choice.commands ?? (prefix ? "all" : DEFAULT_COMMANDS)).trim().toLowerCase();
  const all = given === "all";
  const asked = all ? names() : given === "none" || given === "" ? [] : given.split(/[\s,]+/).filter(Boolean);
  const topLevel: string[] = [];
  const skipped: string[] = [];
  for (const name of asked) {
    if (!names().includes(name)) {
      const guess = closest(name, names());
      problems.push({
        field: "commands",
        message: `no command \`${name}\`${guess ? `; did you mean \`${guess}\`?` : `; known: ${names().join(", ")}`}`,
      });
      continue;
    }
    const slash = `/${prefix}${name}`;
    if (SLACK_BUILT_INS.includes(slash)) {
      if (all) skipped.push(name);
      else
        problems.push({
          field: "commands",
          message: `\`${slash}\` is Slack's own command, so Slack would never send it to dockops; add a prefix (\`do-\` makes it \`/do-${name}\`) or type \`/${umbrella} ${name}\``,
        });
      continue;
    }
    if (slash.length > MAX_SLASH_LENGTH) {
      problems.push({
        field: "prefix",
        message: `\`${slash}\` is longer than Slack's ${MAX_SLASH_LENGTH} characters`,
      });
      continue;
    }
    if (slash === `/${umbrella}`) {
      problems.push({ field: "umbrella", message: `\`${slash}\` would be both the umbrella and a command` });
      continue;
    }
    if (!topLevel.includes(name)) topLevel.push(name);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, set: { umbrella, prefix, topLevel }, skipped };
}

/** The installed slash commands and the command each one runs (`ops` for the umbrella). */
export function installedCommands(set: CommandSet): Array<{ slash: string; name: string }> {
  return [
    ...set.topLevel.map((name) => ({ slash: `/${set.prefix}${name}`, name })),
    { slash: `/${set.umbrella}`, name: opsHelp.name },
  ];
}

/** Which command a slash command Slack sent runs, or undefined when it is not installed here. */
export function commandFor(set: CommandSet, slash: string): string | undefined {
  return installedCommands(set).find((c) => c.slash === slash.toLowerCase())?.name;
}

/** How a user types `name` in this installation: `/deploy`, `/do-status` or `/ops status`. */
export function typedForm(set: CommandSet, name: string): string {
  if (name === opsHelp.name) return `/${set.umbrella}`;
  return set.topLevel.includes(name) ? `/${set.prefix}${name}` : `/${set.umbrella} ${name}`;
}

const ENV_NAMES: Record<keyof CommandChoice, string> = {
  commands: "SLACK_COMMANDS",
  prefix: "SLACK_COMMAND_PREFIX",
  umbrella: "SLACK_UMBRELLA_COMMAND",
};

/** The bot's command set from its environment, the same choice `npm run manifest` was given. */
export function commandSetFromEnv(env: {
  SLACK_COMMANDS?: string;
  SLACK_COMMAND_PREFIX?: string;
  SLACK_UMBRELLA_COMMAND?: string;
}): CommandSet {
  const parsed = parseCommandChoice({
    commands: env.SLACK_COMMANDS,
    prefix: env.SLACK_COMMAND_PREFIX,
    umbrella: env.SLACK_UMBRELLA_COMMAND,
  });
  if (parsed.ok) return parsed.set;
  const lines = parsed.problems.map((p) => `  ${ENV_NAMES[p.field]}: ${p.message}`);
  throw new ConfigError(`the Slack commands are invalid:\n${lines.join("\n")}`);
}
