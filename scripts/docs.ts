// npm run docs: regenerates the generated sections of docs/ (the fleet file reference from
// fleet.schema.json, the command reference from commands/index.ts).
import { writeFileSync } from "node:fs";
import { generatedPages } from "./docs/pages.js";

for (const page of generatedPages()) {
  writeFileSync(new URL(`../${page.path}`, import.meta.url), page.text);
  process.stdout.write(`wrote ${page.path}\n`);
}
