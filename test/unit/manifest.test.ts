import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildManifest, manifestYaml } from "../../src/slack/manifest.js";
import { SLACK_BUILT_INS } from "../../src/slack/slack-built-ins.js";

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
  it("declares the default installation: /deploy and the umbrella /ops", () => {
    expect(committed.features.slash_commands.map((c) => c.command)).toEqual(["/deploy", "/ops"]);
  });

  it("is what `npm run manifest` generates from the code (else run it)", () => {
    expect(committed).toEqual(buildManifest());
    expect(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")).toBe(manifestYaml());
  });

  it("declares none of Slack's built-in commands", () => {
    const declared = committed.features.slash_commands.map((c) => c.command);
    expect(declared.filter((c) => SLACK_BUILT_INS.includes(c))).toEqual([]);
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
