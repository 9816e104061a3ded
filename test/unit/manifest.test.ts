import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SLASH_COMMANDS } from "../../commands/index.js";
import { buildManifest } from "../../src/slack/manifest.js";

type Manifest = {
  features: {
    slash_commands: Array<{ command: string; url?: string }>;
    app_home: { home_tab_enabled: boolean };
  };
  settings: {
    socket_mode_enabled: boolean;
    interactivity: { is_enabled: boolean; request_url?: string };
    event_subscriptions: { bot_events: string[]; request_url?: string };
  };
  oauth_config: { scopes: { bot: string[] } };
};

const committed = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")) as Manifest;

describe("manifest.yml", () => {
  it("declares exactly the slash commands the bot registers (else run `npm run manifest`)", () => {
    expect(committed.features.slash_commands.map((c) => c.command).sort()).toEqual(
      SLASH_COMMANDS.map((c) => `/${c}`).sort(),
    );
  });

  it("is what `npm run manifest` generates from the code", () => {
    expect(committed).toEqual(buildManifest());
  });

  it("enables interactivity, the App Home tab and its event, and the bot's scopes", () => {
    expect(committed.settings.interactivity.is_enabled).toBe(true);
    expect(committed.features.app_home.home_tab_enabled).toBe(true);
    expect(committed.settings.event_subscriptions.bot_events).toContain("app_home_opened");
    expect(committed.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(["commands", "chat:write", "chat:write.public"]),
    );
    expect(committed.settings.socket_mode_enabled).toBe(true);
  });

  it("in HTTP mode points every request at /slack/events", () => {
    const http = buildManifest({ url: "https://bot.example.com/" }) as Manifest;
    const url = "https://bot.example.com/slack/events";
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.features.slash_commands.every((c) => c.url === url)).toBe(true);
    expect(http.settings.interactivity.request_url).toBe(url);
    expect(http.settings.event_subscriptions.request_url).toBe(url);
  });
});
