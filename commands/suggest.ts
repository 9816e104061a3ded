import { escapeMrkdwn } from "../src/core/foreign-text.js";

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** The closest known name, if it is close enough to be what the user meant. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(w, name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  if (!best) return undefined;
  return best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/** "no host serverD; did you mean serverB?" or, with nothing close, the list of known names. */
export function unknownName(kind: string, word: string, known: readonly string[]): string {
  const shown = truncateWord(word);
  const guess = closest(word, known);
  if (guess) return `no ${kind} \`${shown}\`; did you mean \`${guess}\`?`;
  return known.length > 0
    ? `no ${kind} \`${shown}\`; known ${kind}s: ${known.map((k) => `\`${k}\``).join(", ")}`
    : `no ${kind} \`${shown}\`, and the fleet file defines none`;
}

/** Echo at most a short, backtick-free piece of what the user typed, escaped for mrkdwn. */
export function truncateWord(word: string): string {
  const clean = word.replace(/[`\n\r]/g, "");
  return escapeMrkdwn(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}
