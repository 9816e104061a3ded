import type { HelpEntry } from "../../commands/help.js";

/**
 * The command reference: each command's usage, description and examples, exactly the strings
 * `/ops help` shows, so the page and the bot's help cannot disagree.
 */
export function commandReference(commands: readonly HelpEntry[]): string {
  return commands
    .map((c) =>
      [
        `### \`/${c.name}\``,
        "",
        "```text usage",
        c.usage,
        "```",
        "",
        c.description,
        "",
        "Examples:",
        "",
        "```text",
        ...c.examples,
        "```",
      ].join("\n"),
    )
    .join("\n\n");
}
