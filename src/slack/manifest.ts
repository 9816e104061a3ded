import { stringify } from "yaml";
import { COMMANDS, opsHelp, SLASH_COMMANDS } from "../../commands/index.js";

/**
 * The bot's scopes: slash commands, posting (also in channels it was not invited to), ephemerals,
 * and uploading long `/logs` output as a file.
 */
export const BOT_SCOPES = ["commands", "chat:write", "chat:write.public", "files:write"];

/**
 * The Slack app manifest, read from the code: one slash command per `SLASH_COMMANDS` entry with
 * its help text, interactivity (buttons, the /deploy modal), App Home and its event. Without
 * `url` it is a Socket Mode app; with it, every request goes to `<url>/slack/events`.
 */
export function buildManifest(opts: { url?: string } = {}): Record<string, unknown> {
  const requestUrl = opts.url ? `${opts.url.replace(/\/+$/, "")}/slack/events` : undefined;
  const withUrl = requestUrl ? { url: requestUrl } : {};
  const slashCommands = SLASH_COMMANDS.map((name) => {
    const c = [...COMMANDS, opsHelp].find((x) => x.name === name);
    const description = c?.description.replace(/`/g, "") ?? name;
    const usage = c?.usage.replace(new RegExp(`^/${name}\\s*`), "") ?? "";
    return {
      command: `/${name}`,
      ...withUrl,
      description: description.length > 100 ? `${description.slice(0, 99)}…` : description,
      usage_hint: usage.slice(0, 100),
      should_escape: false,
    };
  });
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
      slash_commands: slashCommands,
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

export function manifestYaml(opts: { url?: string } = {}): string {
  const header = [
    `# Slack app manifest for dockops (${opts.url ? "HTTP mode" : "Socket Mode"}). Generated from the code by`,
    "# `npm run manifest`; do not edit by hand. For HTTP mode: `npm run manifest -- --url https://YOUR-HOST`.",
  ].join("\n");
  return `${header}\n${stringify(buildManifest(opts), { lineWidth: 0 })}`;
}
