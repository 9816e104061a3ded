import { readFileSync } from "node:fs";
import { COMMANDS, opsHelp } from "../../commands/index.js";
import { commandReference } from "./command-reference.js";
import { fleetReference, type SchemaNode } from "./fleet-reference.js";
import { replaceSection } from "./generated-section.js";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** The generated docs pages as `npm run docs` writes them: path (from the repository root) and text. */
export function generatedPages(): Array<{ path: string; text: string }> {
  const schema = JSON.parse(read("fleet.schema.json")) as SchemaNode;
  return [
    {
      path: "docs/fleet-file.md",
      text: replaceSection(read("docs/fleet-file.md"), "fleet-reference", fleetReference(schema)),
    },
    {
      path: "docs/commands.md",
      text: replaceSection(
        read("docs/commands.md"),
        "command-reference",
        commandReference([...COMMANDS, opsHelp]),
      ),
    },
  ];
}
