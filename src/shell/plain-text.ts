/**
 * Slack mrkdwn as a terminal shows it: no *bold* markers, <@U1> as @U1, links as "label (url)",
 * the few emoji the bot uses as symbols, code blocks kept as they are, pipe tables aligned.
 */
const EMOJI: Record<string, string> = {
  white_check_mark: "✅",
  heavy_check_mark: "✔",
  x: "❌",
  warning: "⚠️",
  rocket: "🚀",
  hourglass: "⏳",
  hourglass_flowing_sand: "⏳",
  arrows_counterclockwise: "🔄",
  repeat: "🔁",
  lock: "🔒",
  red_circle: "🔴",
  large_green_circle: "🟢",
  large_yellow_circle: "🟡",
  rotating_light: "🚨",
  information_source: "ℹ️",
};

export function plainText(mrkdwn: string): string {
  const out: string[] = [];
  let inCode = false;
  let table: string[] = [];
  const flushTable = () => {
    if (table.length > 0) out.push(...alignTable(table));
    table = [];
  };
  for (const line of mrkdwn.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("```")) {
      flushTable();
      const body = trimmed.slice(3);
      const closesToo = body.endsWith("```");
      const content = closesToo ? body.slice(0, -3) : body;
      if (content) out.push(unescapeEntities(content));
      if (!closesToo) inCode = !inCode;
      continue;
    }
    if (inCode) {
      out.push(unescapeEntities(line));
      continue;
    }
    const plain = inline(line);
    if (/^\s*\|.*\|\s*$/.test(plain)) table.push(plain);
    else {
      flushTable();
      out.push(plain);
    }
  }
  flushTable();
  return out.join("\n");
}

function inline(line: string): string {
  return unescapeEntities(
    line
      .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, "@$1")
      .replace(/<#[A-Z0-9]+\|([^>]+)>/g, "#$1")
      .replace(/<#([A-Z0-9]+)>/g, "#$1")
      .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, name?: string) => name ?? `@${id}`)
      .replace(/<!(here|channel|everyone)>/g, "@$1")
      .replace(/<([^|>\s]+)\|([^>]+)>/g, "$2 ($1)")
      .replace(/<([a-z]+:[^>\s]+)>/g, "$1")
      .replace(/(^|[\s(>•])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1$2")
      .replace(/`([^`\n]+)`/g, "$1")
      .replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m),
  );
}

function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Pads the cells of "| a | b |" rows so the columns line up. */
function alignTable(rows: string[]): string[] {
  const cells = rows.map((r) =>
    r
      .trim()
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((c) => c.trim()),
  );
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return cells.map((row) => {
    if (row.every((c) => /^:?-+:?$/.test(c))) return widths.map((w) => "-".repeat(w)).join("-+-");
    return row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(" | ")
      .trimEnd();
  });
}
