// npm run manifest: regenerates manifest.yml, the default app (Socket Mode, /deploy and /ops).
// Any option prints a manifest instead, leaving manifest.yml as it is:
//   --url https://bot.example.com   HTTP mode: every request goes to <url>/slack/events
//   --commands deploy,rollback|all  commands that get their own slash command (default: deploy)
//   --prefix do-                    name them /do-deploy, /do-status… (alone: every command)
//   --umbrella dockops              the command that takes every command (default: ops)
// The same choice comes from SLACK_COMMANDS, SLACK_COMMAND_PREFIX and SLACK_UMBRELLA_COMMAND,
// which the bot reads too.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseCommandChoice } from "../src/slack/command-set.js";
import { commandEnv, manifestYaml } from "../src/slack/manifest.js";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    commands: { type: "string" },
    prefix: { type: "string" },
    umbrella: { type: "string" },
  },
});
const env = process.env;
const parsed = parseCommandChoice({
  commands: values.commands ?? env.SLACK_COMMANDS,
  prefix: values.prefix ?? env.SLACK_COMMAND_PREFIX,
  umbrella: values.umbrella ?? env.SLACK_UMBRELLA_COMMAND,
});
if (!parsed.ok) {
  for (const p of parsed.problems) process.stderr.write(`--${p.field}: ${p.message}\n`);
  process.exit(2);
}
for (const name of parsed.skipped)
  process.stderr.write(`note: /${name} is Slack's own command; type /${parsed.set.umbrella} ${name}\n`);
const custom = Object.keys(commandEnv(parsed.set)).length > 0;
if (values.url || custom) {
  process.stdout.write(manifestYaml({ url: values.url, commands: parsed.set }));
} else {
  writeFileSync(new URL("../manifest.yml", import.meta.url), manifestYaml());
  process.stdout.write("wrote manifest.yml\n");
}
