export type Args = { words: string[]; flags: Set<string> };

const OPEN_QUOTES = new Set(['"', "\u201c"]);
const CLOSE_QUOTES = new Set(['"', "\u201d"]);

/**
 * Splits `/config` text on whitespace like `tokenize`, except that a double-quoted part keeps
 * its spaces (`KEY="two words"`); `\"` and `\\` escape inside quotes. Slack may turn quotes into
 * curly ones, so those count too. An unclosed quote is a mistake, returned as a string.
 */
export function splitArgs(text: string): Args | string {
  const words: string[] = [];
  const flags = new Set<string>();
  let word = "";
  let started = false;
  let quoted = false;
  const finish = () => {
    if (!started) return;
    if (!quoted && word.startsWith("--") && word.length > 2) flags.add(word.slice(2).toLowerCase());
    else words.push(word);
    word = "";
    started = false;
    quoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/u.test(c)) {
      finish();
      continue;
    }
    started = true;
    if (!OPEN_QUOTES.has(c)) {
      word += c;
      continue;
    }
    quoted = true;
    let closed = false;
    for (i++; i < text.length; i++) {
      const q = text[i] as string;
      if (q === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) word += text[++i];
      else if (CLOSE_QUOTES.has(q)) {
        closed = true;
        break;
      } else word += q;
    }
    if (!closed) return "a quote is not closed";
  }
  finish();
  return { words, flags };
}
