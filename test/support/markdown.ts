/** Just enough Markdown reading for the docs tests: fenced code blocks, headings' anchors, links. */

export type CodeBlock = { file: string; line: number; lang: string; tags: string[]; body: string[] };

const FENCE = /^( *)```(.*)$/;

/** Fenced code blocks (also indented ones, inside list items), with their info string split. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const indent = open[1] ?? "";
    const [lang = "", ...tags] = (open[2] ?? "").trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && (lines[j] ?? "").trim() !== "```")
      body.push((lines[j++] ?? "").slice(indent.length));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a code block that never closes`);
    blocks.push({ file, line: i + 1, lang, tags, body });
    i = j;
  }
  return blocks;
}

/** The text outside code blocks and inline code, where links and headings live. */
function prose(text: string): string {
  return text.replace(/^( *)```[\s\S]*?^\1```\s*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** Every heading's anchor, with GitHub's -1, -2 … for repeats. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutCode = text.replace(/^( *)```[\s\S]*?^\1```\s*$/gm, "");
  for (const match of withoutCode.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1] ?? "");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Targets of inline links `[text](target)` outside code. */
export function links(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}
