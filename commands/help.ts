export type HelpEntry = { name: string; usage: string; description: string; examples: string[] };
export type HelpPlan = { kind: "help"; text: string };

export function renderHelp(entries: readonly HelpEntry[], only?: HelpEntry): string {
  if (only) {
    return [`*${only.usage}*`, only.description, "Examples:", ...only.examples.map((e) => `• \`${e}\``)].join(
      "\n",
    );
  }
  const lines = entries.map((e) => `• \`${e.usage}\` — ${e.description}`);
  return [
    "*Commands* (each also works as `/ops <command> ...`):",
    ...lines,
    "Add `help` after a command for examples.",
  ].join("\n");
}
