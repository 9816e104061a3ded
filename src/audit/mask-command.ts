import { maskValue } from "../secrets/mask.js";

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/**
 * Command text as the audit trail stores it: the value of every `KEY=VALUE` word is masked, and
 * so is the word after `--secret` (or in `--secret=...`). Every value, not only secret-looking
 * keys (*_PASSWORD, *_TOKEN, *_KEY, *SECRET*): a key that was once set with `--secret` stays
 * secret without the flag, and the text alone cannot tell. The trail keeps which keys changed;
 * `/config history` keeps the values.
 */
export function maskCommandText(text: string): string {
  const set = configSetTail(text);
  if (set) return set;
  let secretNext = false;
  return text
    .split(/(\s+)/)
    .map((word) => {
      if (word === "" || /^\s+$/.test(word)) return word;
      if (word === "--secret") {
        secretNext = true;
        return word;
      }
      const inline = /^--secret=(.*)$/s.exec(word);
      const rest = inline ? (inline[1] as string) : word;
      const prefix = inline ? "--secret=" : "";
      const forced = secretNext || inline !== null;
      secretNext = false;
      const assignment = ASSIGNMENT.exec(rest);
      if (assignment) return `${prefix}${assignment[1]}=${maskValue(stripQuotes(assignment[2] as string))}`;
      return forced ? `${prefix}${maskValue(rest)}` : word;
    })
    .join("");
}

function stripQuotes(value: string): string {
  return value.replace(/^["']|["']$/g, "");
}

/**
 * `/config set` (or `/ops config set`) is the one command whose free words are values: past
 * `<project> <env>` every word that is not a flag or `KEY=` becomes `••••`, so a value with
 * spaces in quotes, or typed without its `KEY=`, leaves nothing readable in the trail.
 */
function configSetTail(text: string): string | undefined {
  const words = text.trim().split(/\s+/);
  const start = words[0] === "config" ? 1 : 0;
  if (words[start] !== "set" || !(start === 1 || words[0] === "set")) return undefined;
  const head = words.slice(0, start + 3);
  const tail = words.slice(start + 3).map((word) => {
    if (/^--[a-z-]+$/.test(word)) return word;
    const assignment = ASSIGNMENT.exec(word);
    return assignment ? `${assignment[1]}=••••` : "••••";
  });
  return [...head, ...tail].join(" ");
}
