export const MAX_COMMAND_LENGTH = 2000;

export type Tokens = { words: string[]; flags: Set<string> };

/**
 * Splits command text on whitespace. Words starting with "--" are flags. Nothing here is ever
 * handed to a shell: `exec` passes its words to Docker as an argv array.
 */
export function tokenize(text: string): Tokens {
  const words: string[] = [];
  const flags = new Set<string>();
  for (const word of text.trim().split(/\s+/u)) {
    if (word === "") continue;
    if (word.startsWith("--") && word.length > 2) flags.add(word.slice(2).toLowerCase());
    else words.push(word);
  }
  return { words, flags };
}
