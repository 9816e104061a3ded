import { maskValue } from "../secrets/mask.js";

/** Keys whose values are secret by their name alone, whatever the command. */
const SECRET_KEY = /(_PASSWORD|_TOKEN|_KEY|SECRET)$|SECRET/i;

/**
 * Command text as the audit trail stores it: the value of every `--secret KEY=VALUE` (or
 * `--secret=KEY=VALUE`) and of every `KEY=VALUE` whose key looks secret (*_PASSWORD, *_TOKEN,
 * *_KEY, *SECRET*) is masked. Works on any command's text, so new commands are covered too.
 */
export function maskCommandText(text: string): string {
  const words = text.split(/(\s+)/);
  let secretNext = false;
  return words
    .map((word) => {
      if (/^\s+$/.test(word) || word === "") return word;
      if (word === "--secret") {
        secretNext = true;
        return word;
      }
      const inline = /^(--secret=)(.*)$/.exec(word);
      const [prefix, rest] = inline ? [inline[1] as string, inline[2] as string] : ["", word];
      const forced = secretNext || inline !== null;
      secretNext = false;
      const eq = rest.indexOf("=");
      if (eq <= 0) return forced ? `${prefix}${maskValue(rest)}` : word;
      const key = rest.slice(0, eq);
      const value = rest.slice(eq + 1);
      return forced || SECRET_KEY.test(key) ? `${prefix}${key}=${maskValue(stripQuotes(value))}` : word;
    })
    .join("");
}

function stripQuotes(value: string): string {
  return value.replace(/^["']|["']$/g, "");
}
