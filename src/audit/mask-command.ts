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
