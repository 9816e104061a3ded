import { ENV_KEY_PATTERN, NAME_PATTERN } from "../src/names.js";
import { DEFAULT_SECRET_PATTERNS, matchesSecretPattern } from "../src/secrets/patterns.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import { splitArgs } from "./config-args.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";

/** Values are limited so a config stays small enough to show and to pass to Docker. */
export const MAX_VALUE_BYTES = 1024;
export const MAX_KEYS_PER_COMMAND = 20;

export type ConfigEntry = { key: string; value: string; secret: boolean };

type Target = { kind: "config"; project: string; env: string; requestedBy: string; channel: string };
/** `onRevision`: set by an approval request, the config revision the approvers saw it apply on. */
type Change = { approval?: ApprovalRule; onRevision?: number };

export type ConfigPlan =
  | (Target & Change & { op: "set"; entries: ConfigEntry[] })
  | (Target & Change & { op: "unset"; keys: string[] })
  | (Target & Change & { op: "revert"; revision: number })
  | (Target & { op: "get"; key: string })
  | (Target & { op: "list" })
  | (Target & { op: "history" })
  /** `reads` names the second environment too, so the access rules judge both. */
  | (Target & { op: "diff"; otherEnv: string; reads: string[] });

const USAGE = {
  set: "/config set <project> <env> [--secret] KEY=VALUE [KEY=VALUE ...]",
  unset: "/config unset <project> <env> KEY [KEY ...]",
  get: "/config get <project> <env> KEY",
  list: "/config list <project> <env>",
  diff: "/config diff <project> <envA> <envB>",
  history: "/config history <project> <env>",
  revert: "/config revert <project> <env> <revision>",
} as const;
type Op = keyof typeof USAGE;

export const configHelp = {
  name: "config",
  usage: "/config set|unset|get|list|diff|history|revert <project> <env> ...",
  description:
    "Versioned per-environment config that the next deploy runs with; secrets are encrypted and masked.",
  examples: [
    "/config set a1 beta DB_HOST=db1 LOG_LEVEL=debug",
    "/config set a1 prod --secret DB_PASSWORD=hunter22",
    '/config set a1 beta GREETING="hello world"',
    "/config unset a1 beta LOG_LEVEL",
    "/config list a1 beta",
    "/config diff a1 beta prod",
    "/config history a1 beta",
    "/config revert a1 beta 3",
  ],
};

export function planConfig(text: string, ctx: CommandContext): Result<ConfigPlan> {
  const args = splitArgs(text);
  const verb = typeof args === "string" ? undefined : args.words[0]?.toLowerCase();
  const op = verb && verb in USAGE ? (verb as Op) : undefined;
  const fail = (why: string) =>
    usage(
      `${why}\nUsage: ${
        op
          ? `\`${USAGE[op]}\``
          : Object.values(USAGE)
              .map((u) => `\`${u}\``)
              .join(", ")
      }`,
    );
  if (typeof args === "string") return fail(args);
  if (!op) {
    return fail(verb ? `no config command \`${truncateWord(verb)}\`` : "name a config command");
  }
  const allowed = op === "set" ? ["secret"] : [];
  for (const flag of args.flags) {
    if (!allowed.includes(flag)) return fail(`unknown option \`--${truncateWord(flag)}\``);
  }
  const [, projectName, envName, ...rest] = args.words;
  if (projectName === undefined || envName === undefined) return fail("name a project and an environment");
  const { fleet } = ctx;
  if (!NAME_PATTERN.test(projectName) || !fleet.projects[projectName]) {
    return fail(unknownName("project", projectName, Object.keys(fleet.projects)));
  }
  const envs = Object.keys(fleet.environments);
  if (!NAME_PATTERN.test(envName) || !fleet.environments[envName])
    return fail(unknownName("environment", envName, envs));
  const target: Target = {
    kind: "config",
    project: projectName,
    env: envName,
    requestedBy: ctx.user,
    channel: ctx.channel,
  };
  const approval = approvalFor(fleet, envName);
  const gated = approval ? { approval } : {};
  const exactly = (n: number, what: string) =>
    rest.length < n
      ? `name ${what}`
      : rest.length > n
        ? `too many words: \`${truncateWord(rest.slice(n).join(" "))}\``
        : undefined;

  switch (op) {
    case "list":
    case "history": {
      const why = exactly(0, "");
      return why ? fail(why) : planned({ ...target, op });
    }
    case "get": {
      const why = exactly(1, "a key");
      if (why) return fail(why);
      const bad = badKey(rest[0] as string);
      return bad ? fail(bad) : planned({ ...target, op, key: rest[0] as string });
    }
    case "diff": {
      const why = exactly(1, "a second environment");
      if (why) return fail(why);
      const other = rest[0] as string;
      if (!NAME_PATTERN.test(other) || !fleet.environments[other])
        return fail(unknownName("environment", other, envs));
      if (other === envName) return fail("name two different environments");
      return planned({ ...target, op, otherEnv: other, reads: [other] });
    }
    case "revert": {
      const why = exactly(1, "a revision number (see `/config history`)");
      if (why) return fail(why);
      const match = /^r?(\d{1,9})$/i.exec(rest[0] as string);
      if (!match) return fail(`\`${truncateWord(rest[0] as string)}\` is not a revision number`);
      return planned({ ...target, ...gated, op, revision: Number(match[1]) });
    }
    case "unset": {
      if (rest.length === 0) return fail("name at least one key");
      if (rest.length > MAX_KEYS_PER_COMMAND) return fail(`at most ${MAX_KEYS_PER_COMMAND} keys at once`);
      for (const key of rest) {
        const bad = badKey(key);
        if (bad) return fail(bad);
      }
      return planned({ ...target, ...gated, op, keys: [...new Set(rest)] });
    }
    case "set": {
      if (rest.length === 0) return fail("give at least one KEY=VALUE");
      if (rest.length > MAX_KEYS_PER_COMMAND) return fail(`at most ${MAX_KEYS_PER_COMMAND} keys at once`);
      const patterns = fleet.secrets?.patterns ?? DEFAULT_SECRET_PATTERNS;
      const entries: ConfigEntry[] = [];
      for (const [i, word] of rest.entries()) {
        const eq = word.indexOf("=");
        // Never echo the word: a value typed without its KEY= may be a secret.
        if (eq === -1) {
          return fail(
            `word ${i + 1} after the environment has no \`=VALUE\` (not shown, in case it is a secret)`,
          );
        }
        const key = word.slice(0, eq);
        const value = word.slice(eq + 1);
        const bad = badKey(key) ?? badValue(key, value);
        if (bad) return fail(bad);
        if (entries.some((e) => e.key === key)) return fail(`\`${key}\` is given twice`);
        entries.push({ key, value, secret: args.flags.has("secret") || matchesSecretPattern(key, patterns) });
      }
      return planned({ ...target, ...gated, op, entries });
    }
  }
}

function badKey(key: string): string | undefined {
  return ENV_KEY_PATTERN.test(key)
    ? undefined
    : `\`${truncateWord(key)}\` is not a valid variable name (letters, digits and _, not starting with a digit)`;
}

function badValue(key: string, value: string): string | undefined {
  if (Buffer.byteLength(value, "utf8") > MAX_VALUE_BYTES) {
    return `the value of \`${key}\` is longer than ${MAX_VALUE_BYTES} bytes`;
  }
  if (/\p{Cc}/u.test(value)) return `the value of \`${key}\` contains control characters`;
  return undefined;
}
