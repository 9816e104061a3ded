import type { Fleet } from "../src/fleet/schema.js";
import { NAME_PATTERN } from "../src/names.js";
import { planned, type Result, type Usage, usage } from "./result.js";
import { closest, truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

/*
 * One calling style for names in the fleet: a check answers "why not" — the usage message, or
 * undefined when the word is fine — so a planner chains checks with `??` and fails on the first
 * reason (`badProject(f, p) ?? badEnv(f, e) ?? badHostChoice(f, e, h)`), then reads the value it
 * checked (`chosenHosts`). Readers of a whole command text (`readWords`, `projectEnvArgs`) return
 * the words or a usage message.
 */

/** Leading `<project> <env>` words resolved against the fleet, and up to `extra` words after them. */
export function projectEnvArgs(
  fleet: Fleet,
  words: readonly string[],
  extra: number,
): Result<{ project: string; env: string; rest: string[] }> {
  if (words.length < 2) return usage("name a project and an environment");
  if (words.length > 2 + extra) {
    return usage(`too many words: \`${truncateWord(words.slice(2 + extra).join(" "))}\``);
  }
  const [project, env] = words as [string, string];
  const why = badProject(fleet, project) ?? badEnv(fleet, env);
  return why ? usage(why) : planned({ project, env, rest: words.slice(2) });
}

/** Why `word` names no project of the fleet, or undefined when it does. */
export function badProject(fleet: Fleet, word: string): string | undefined {
  if (NAME_PATTERN.test(word) && fleet.projects[word]) return undefined;
  return unknownName("project", word, Object.keys(fleet.projects));
}

/** Why `word` names no environment of the fleet, or undefined when it does. */
export function badEnv(fleet: Fleet, word: string): string | undefined {
  if (NAME_PATTERN.test(word) && fleet.environments[word]) return undefined;
  return unknownName("environment", word, Object.keys(fleet.environments));
}

/** Why `word` is not one of `envName`'s hosts, or undefined when it is. */
export function badHost(fleet: Fleet, envName: string, word: string): string | undefined {
  const hosts = fleet.environments[envName]?.hosts ?? [];
  if (NAME_PATTERN.test(word) && hosts.includes(word)) return undefined;
  return NAME_PATTERN.test(word) && word in fleet.hosts
    ? `host \`${word}\` is not in environment \`${envName}\` (its hosts: ${hosts.join(", ")})`
    : unknownName("host", word, hosts);
}

/** Why `word` names no host of the fleet (any environment's), or undefined when it does. */
export function badFleetHost(fleet: Fleet, word: string): string | undefined {
  if (NAME_PATTERN.test(word) && word in fleet.hosts) return undefined;
  return unknownName("host", word, Object.keys(fleet.hosts));
}

/** Why `word` (a host of the environment, `all`, or none) cannot choose hosts, or undefined. */
export function badHostChoice(fleet: Fleet, envName: string, word: string | undefined): string | undefined {
  return word === undefined || word === "all" ? undefined : badHost(fleet, envName, word);
}

/** The hosts a checked `word` chooses: every host of the environment, or the one named. */
export function chosenHosts(fleet: Fleet, envName: string, word: string | undefined): string[] {
  return word === undefined || word === "all" ? [...(fleet.environments[envName]?.hosts ?? [])] : [word];
}

/** Why the flags are not all known, or undefined. */
export function badFlag(flags: ReadonlySet<string>, known: readonly string[]): string | undefined {
  for (const flag of flags) {
    if (known.includes(flag)) continue;
    const guess = closest(flag, known);
    const list = known.length > 0 ? `; known options: ${known.map((f) => `\`--${f}\``).join(", ")}` : "";
    return `unknown option \`--${truncateWord(flag)}\`${guess ? `; did you mean \`--${guess}\`?` : list}`;
  }
  return undefined;
}

/** `<project> <env> [<host>|all] [--dry-run]`, as deploy and rollback read it. */
export const TARGET_WORDS = {
  min: 2,
  max: 3,
  missing: "name a project and an environment",
  flags: ["dry-run"],
} as const;

export type Words = { words: string[]; flags: Set<string>; fail: (why: string) => Usage };

/**
 * Splits a command's text and checks its options and word count. `fail` turns a reason into a
 * usage message ending with the command's usage line.
 */
export function readWords(
  text: string,
  usageLine: string,
  opts: { min: number; max: number; missing: string; flags?: readonly string[] },
): Words | Usage {
  const { words, flags } = tokenize(text);
  const fail = (why: string) => usage(`${why}\nUsage: \`${usageLine}\``);
  const flagWhy = badFlag(flags, opts.flags ?? []);
  if (flagWhy) return fail(flagWhy);
  if (words.length < opts.min) return fail(opts.missing);
  if (words.length > opts.max) {
    return fail(`too many words: \`${truncateWord(words.slice(opts.max).join(" "))}\``);
  }
  return { words, flags, fail };
}
