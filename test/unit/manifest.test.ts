import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { installedCommands, parseCommandChoice } from "../../src/slack/command-set.js";
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

describe("Getting started's Create the Slack app", () => {
  const page = readFileSync(new URL("../../docs/getting-started.md", import.meta.url), "utf8");
  const section = page.slice(page.indexOf("## Create the Slack app"));

  it("shows the default manifest's two commands as generated", () => {
    const yaml =
      /```yaml manifest\n# manifest\.yml \(default\)[^\n]*\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const shown = parse(yaml) as { slash_commands: Array<{ command: string; usage_hint: string }> };
    const generated = (buildManifest() as Manifest).features.slash_commands as Array<{
      command: string;
      usage_hint: string;
    }>;
    expect(shown.slash_commands).toEqual(
      generated.map((c) => ({ command: c.command, usage_hint: c.usage_hint })),
    );
  });

  it("names exactly the commands each `npm run manifest` example generates", () => {
    const examples = section.split("\n").filter((l) => l.startsWith("npm run manifest -- --"));
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const line of examples) {
      const [command = "", comment = ""] = line.split("#");
      const args = command.replace("npm run manifest --", "").trim().split(/\s+/);
      const flag = (name: string) => {
        const at = args.indexOf(`--${name}`);
        return at === -1 ? undefined : args[at + 1];
      };
      const parsed = parseCommandChoice({
        commands: flag("commands"),
        prefix: flag("prefix"),
        umbrella: flag("umbrella"),
      });
      if (!parsed.ok) throw new Error(`${line}: ${JSON.stringify(parsed.problems)}`);
      const generated = installedCommands(parsed.set).map((c) => c.slash);
      const [said = "", excluded = ""] = comment.split("(no ");
      const mentioned = said.match(/\/[a-z][a-z0-9_-]*/g) ?? [];
      if (said.includes("…")) expect(generated, line).toEqual(expect.arrayContaining(mentioned));
      else expect(generated, line).toEqual(mentioned);
      for (const gone of excluded.match(/\/[a-z][a-z0-9_-]*/g) ?? [])
        expect(generated, line).not.toContain(gone);
    }
  });
});
