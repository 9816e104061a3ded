// npm run manifest: regenerates manifest.yml (Socket Mode) from SLASH_COMMANDS.
// npm run manifest -- --url https://bot.example.com: prints the HTTP-mode manifest instead.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { manifestYaml } from "../src/slack/manifest.js";

const { values } = parseArgs({ options: { url: { type: "string" } } });
if (values.url) {
  process.stdout.write(manifestYaml({ url: values.url }));
} else {
  writeFileSync(new URL("../manifest.yml", import.meta.url), manifestYaml());
  process.stdout.write("wrote manifest.yml\n");
}
