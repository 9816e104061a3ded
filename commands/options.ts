import { parseDuration } from "../src/fleet/duration.js";
import { planned, type Result, usage } from "./result.js";
import { truncateWord } from "./suggest.js";
import { tokenize } from "./tokenize.js";

export type Options = { words: string[]; values: Record<string, string>; flags: Set<string> };

/**
 * Like `tokenize`, but the options named in `valued` take a value: `--tail 50` or `--tail=50`.
 * Unknown options are a usage message; the message does not include the command's usage line.
 */
export function parseOptions(
  text: string,
  spec: { valued?: readonly string[]; flags?: readonly string[] },
): Result<Options> {
  const valued = new Set(spec.valued ?? []);
  const known = new Set(spec.flags ?? []);
  const parts = text
    .trim()
    .split(/\s+/u)
    .filter((p) => p !== "");
  const words: string[] = [];
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (!part.startsWith("--") || part.length <= 2) {
      words.push(part);
      continue;
    }
    const eq = part.indexOf("=");
    const name = (eq === -1 ? part.slice(2) : part.slice(2, eq)).toLowerCase();
    if (valued.has(name)) {
      const value = eq === -1 ? parts[++i] : part.slice(eq + 1);
      if (value === undefined || value === "" || value.startsWith("--")) {
        return usage(`\`--${name}\` needs a value`);
      }
      values[name] = value;
    } else if (known.has(name)) {
      if (eq !== -1) return usage(`\`--${name}\` takes no value`);
      flags.add(name);
    } else {
      return usage(`unknown option \`--${truncateWord(name)}\``);
    }
  }
  return planned({ words, values, flags });
}

/** A whole number within [min, max], or a usage message naming the option. */
export function intOption(name: string, text: string, min: number, max: number): Result<number> {
  const n = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    return usage(`\`${name}\` must be a whole number from ${min} to ${max}, not \`${truncateWord(text)}\``);
  }
  return planned(n);
}

/** A positive duration such as `10m` up to `maxMs`, in milliseconds. */
export function durationOption(name: string, text: string, maxMs: number): Result<number> {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > maxMs) {
    return usage(`\`${name}\` takes a duration such as 30s, 10m or 2h, not \`${truncateWord(text)}\``);
  }
  return planned(ms);
}

/** The words of a command that takes no options; any `--option` is a usage message. */
export function wordsOnly(text: string, usageLine: string): Result<string[]> {
  const { words, flags } = tokenize(text);
  const [flag] = flags;
  if (flag !== undefined) return usage(`unknown option \`--${truncateWord(flag)}\`\nUsage: \`${usageLine}\``);
  return planned(words);
}

/** The single word a command takes (it has no options), or a usage message. */
export function oneWord(
  text: string,
  usageLine: string,
  missing: { none: string; many: string },
): Result<string> {
  const words = wordsOnly(text, usageLine);
  if (!words.ok) return words;
  if (words.plan.length === 1) return planned(words.plan[0] as string);
  return usage(`${words.plan.length === 0 ? missing.none : missing.many}\nUsage: \`${usageLine}\``);
}
