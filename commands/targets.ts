import type { Fleet } from "../src/fleet/schema.js";
import { NAME_PATTERN } from "../src/names.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";

/** Resolves a project word against the fleet, or says what is wrong. */
export function projectNamed(fleet: Fleet, word: string): Result<string> {
  return NAME_PATTERN.test(word) && word in fleet.projects
    ? planned(word)
    : usage(unknownName("project", word, Object.keys(fleet.projects)));
}

export function envNamed(fleet: Fleet, word: string): Result<string> {
  return NAME_PATTERN.test(word) && word in fleet.environments
    ? planned(word)
    : usage(unknownName("environment", word, Object.keys(fleet.environments)));
}

export function hostNamed(fleet: Fleet, word: string): Result<string> {
  return NAME_PATTERN.test(word) && word in fleet.hosts
    ? planned(word)
    : usage(unknownName("host", word, Object.keys(fleet.hosts)));
}

/** The environment's hosts, or the one named host if it belongs to the environment. */
export function envHosts(fleet: Fleet, env: string, hostWord?: string): Result<string[]> {
  const hosts = fleet.environments[env]?.hosts ?? [];
  if (hostWord === undefined || hostWord === "all") return planned([...hosts]);
  if (NAME_PATTERN.test(hostWord) && hosts.includes(hostWord)) return planned([hostWord]);
  const inFleet = NAME_PATTERN.test(hostWord) && hostWord in fleet.hosts;
  return usage(
    inFleet
      ? `host \`${hostWord}\` is not in environment \`${env}\` (its hosts: ${hosts.join(", ")})`
      : unknownName("host", hostWord, hosts),
  );
}

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
  const project = projectNamed(fleet, words[0] as string);
  if (!project.ok) return project;
  const env = envNamed(fleet, words[1] as string);
  if (!env.ok) return env;
  return planned({ project: project.plan, env: env.plan, rest: words.slice(2) });
}
