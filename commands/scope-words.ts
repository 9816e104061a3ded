import { NAME_PATTERN } from "../src/names.js";
import type { CommandContext } from "./context.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord, unknownName } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type Scope = { project?: string; env?: string; value?: number };

/**
 * Up to three words in any order: a project name, an environment name, and one word `value`
 * reads (a count, a window). Returns the bare reason of a mistake; the caller adds its usage.
 */
export function scopeWords(
  text: string,
  ctx: CommandContext,
  value: { matches: (word: string) => boolean; read: (word: string) => Result<number> },
): Result<Scope> {
  const { words, flags } = tokenize(text);
  const [flag] = flags;
  if (flag !== undefined) return usage(`unknown option \`--${truncateWord(flag)}\``);
  if (words.length > 3) return usage(`too many words: \`${truncateWord(words.slice(3).join(" "))}\``);
  const { fleet } = ctx;
  const scope: Scope = {};
  for (const word of words) {
    const named = NAME_PATTERN.test(word);
    if (scope.value === undefined && value.matches(word)) {
      const read = value.read(word);
      if (!read.ok) return read;
      scope.value = read.plan;
    } else if (named && scope.project === undefined && Object.hasOwn(fleet.projects, word)) {
      scope.project = word;
    } else if (named && scope.env === undefined && Object.hasOwn(fleet.environments, word)) {
      scope.env = word;
    } else {
      const known = [...Object.keys(fleet.projects), ...Object.keys(fleet.environments)];
      return usage(unknownName("project or environment", word, known));
    }
  }
  return planned(scope);
}
