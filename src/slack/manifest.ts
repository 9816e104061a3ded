import { stringify } from "yaml";
import { COMMANDS } from "../../commands/index.js";
import { installedWording } from "./command-mentions.js";
import { type CommandSet, DEFAULT_COMMANDS, installedCommands, parseCommandChoice } from "./command-set.js";

/**
 * The bot's scopes: slash commands, posting (also in channels it was not invited to), ephemerals,
 * and uploading long `/logs` output as a file.
 */
export const BOT_SCOPES = ["commands", "chat:write", "chat:write.public", "files:write"];

/** The default installation: `/deploy` and `/ops`. */
export function defaultCommandSet(): CommandSet {
  const parsed = parseCommandChoice({ commands: DEFAULT_COMMANDS });
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join("; "));
  return parsed.set;
}

export type ManifestOptions = { url?: string; commands?: CommandSet };

/** Slack's limits on a command's description and usage hint. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function slashCommands(set: CommandSet, withUrl: { url?: string }) {
  const word = installedWording(set);
  return installedCommands(set).map(({ slash, name }) => {
    const c = COMMANDS.find((x) => x.name === name);
    const description = c
      ? word(c.description).replace(/`/g, "")
      : `Every dockops command: ${slash} help lists them; e.g. ${slash} status, ${slash} logs a1 beta`;
    const usage = c ? c.usage.replace(new RegExp(`^/${name}\\s*`), "") : "help | <command> ...";
    return {
      command: slash,
      ...withUrl,
      description: clip(description, 100),
      usage_hint: clip(usage, 100),
      should_escape: false,
    };
  });
}

/**
 * The Slack app manifest, read from the code: the installed slash commands (by default `/deploy`
 * and `/ops`) with their help text, interactivity (buttons, the deploy modal), App Home and its
 * event. Without `url` it is a Socket Mode app; with it, every request goes to `<url>/slack/events`.
 */
export function buildManifest(opts: ManifestOptions = {}): Record<string, unknown> {
  const requestUrl = opts.url ? `${opts.url.replace(/\/+$/, "")}/slack/events` : undefined;
  const withUrl = requestUrl ? { url: requestUrl } : {};
  return {
    display_information: {
      name: "dockops",
      description: "Deploy Docker containers on your servers from Slack",
      background_color: "#1d3557",
    },
    features: {
      app_home: {
        home_tab_enabled: true,
        messages_tab_enabled: false,
        messages_tab_read_only_enabled: false,
      },
      bot_user: { display_name: "dockops", always_online: true },
      slash_commands: slashCommands(opts.commands ?? defaultCommandSet(), withUrl),
    },
    oauth_config: { scopes: { bot: BOT_SCOPES } },
    settings: {
      event_subscriptions: {
        ...(requestUrl ? { request_url: requestUrl } : {}),
        bot_events: ["app_home_opened"],
      },
      interactivity: { is_enabled: true, ...(requestUrl ? { request_url: requestUrl } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: !requestUrl,
      token_rotation_enabled: false,
    },
  };
}

/** The environment the bot needs for this choice of commands (nothing for the default). */
export function commandEnv(set: CommandSet): Record<string, string> {
  const env: Record<string, string> = {};
  const def = defaultCommandSet();
  if (set.topLevel.join(",") !== def.topLevel.join(","))
    env.SLACK_COMMANDS = set.topLevel.join(",") || "none";
  if (set.prefix !== "") env.SLACK_COMMAND_PREFIX = set.prefix;
  if (set.umbrella !== def.umbrella) env.SLACK_UMBRELLA_COMMAND = set.umbrella;
  return env;
}

export function manifestYaml(opts: ManifestOptions = {}): string {
  const set = opts.commands ?? defaultCommandSet();
  const env = Object.entries(commandEnv(set)).map(([k, v]) => `${k}=${v}`);
  const header = [
    `# Slack app manifest for dockops (${opts.url ? "HTTP mode" : "Socket Mode"}). Generated from the code by`,
    "# `npm run manifest`; do not edit by hand. For HTTP mode: `npm run manifest -- --url https://YOUR-HOST`.",
    `# Commands: ${installedCommands(set)
      .map((c) => c.slash)
      .join(" ")}. More: \`npm run manifest -- --commands deploy,rollback\` or \`--prefix do-\`.`,
    ...(env.length > 0 ? [`# Run the bot with ${env.join(" ")} so it answers these commands.`] : []),
  ].join("\n");
  return `${header}\n${stringify(buildManifest({ ...opts, commands: set }), { lineWidth: 0 })}`;
}
