import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../commands/index.js";
import { installedWording } from "../../src/slack/command-mentions.js";
import {
  type CommandChoice,
  type CommandSet,
  commandFor,
  commandSetFromEnv,
  installedCommands,
  parseCommandChoice,
  typedForm,
} from "../../src/slack/command-set.js";
import { buildManifest, commandEnv } from "../../src/slack/manifest.js";
import { SLACK_BUILT_INS } from "../../src/slack/slack-built-ins.js";

function set(choice: CommandChoice): CommandSet {
  const parsed = parseCommandChoice(choice);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.set;
}

const slashes = (choice: CommandChoice) =>
  (
    buildManifest({ commands: set(choice) }) as { features: { slash_commands: Array<{ command: string }> } }
  ).features.slash_commands.map((c) => c.command);

const problems = (choice: CommandChoice) => {
  const parsed = parseCommandChoice(choice);
  return parsed.ok ? [] : parsed.problems;
};

describe("the installed slash commands", () => {
  it("by default are /deploy and the umbrella /ops", () => {
    expect(slashes({})).toEqual(["/deploy", "/ops"]);
  });

  const choices: CommandChoice[] = [
    {},
    { commands: "all" },
    { prefix: "do-" },
    { commands: "all", prefix: "dk_" },
    { commands: "deploy,rollback,logs,alerts", umbrella: "dockops" },
    { commands: "none", umbrella: "deployer" },
    ...COMMANDS.filter((c) => c.name !== "status").map((c) => ({ commands: c.name })),
  ];
  it.each(choices)("never include one of Slack's built-in commands: %j", (choice) => {
    const generated = slashes(choice);
    expect(generated.length).toBeGreaterThan(0);
    expect(generated.filter((c) => SLACK_BUILT_INS.includes(c))).toEqual([]);
  });

  it("`all` leaves out /status (Slack's own), which still works through the umbrella", () => {
    const parsed = parseCommandChoice({ commands: "all" });
    expect(parsed.ok && parsed.skipped).toEqual(["status"]);
    expect(slashes({ commands: "all" })).toEqual(
      expect.arrayContaining(["/deploy", "/logs", "/rollback", "/config", "/ops"]),
    );
    expect(slashes({ commands: "all" })).not.toContain("/status");
    expect(typedForm(set({ commands: "all" }), "status")).toBe("/ops status");
  });

  it("naming a built-in is refused with what to do instead", () => {
    expect(problems({ commands: "deploy,status" })).toEqual([
      {
        field: "commands",
        message:
          "`/status` is Slack's own command, so Slack would never send it to dockops; add a prefix (`do-` makes it `/do-status`) or type `/ops status`",
      },
    ]);
    expect(problems({ umbrella: "remind" })).toEqual([
      { field: "umbrella", message: "`/remind` is one of Slack's own commands" },
    ]);
  });

  it("a prefix alone gives every command its own prefixed slash command", () => {
    const prefixed = slashes({ prefix: "do-" });
    expect(prefixed).toContain("/do-status");
    expect(prefixed).toContain("/do-deploy");
    expect(prefixed).toHaveLength(COMMANDS.length + 1);
    expect(prefixed[prefixed.length - 1]).toBe("/ops");
    expect(slashes({ prefix: "do-", commands: "status,logs" })).toEqual(["/do-status", "/do-logs", "/ops"]);
  });

  it("refuses unknown commands, bad names and an umbrella that is a command", () => {
    expect(problems({ commands: "deploy,rollbak" })).toEqual([
      { field: "commands", message: "no command `rollbak`; did you mean `rollback`?" },
    ]);
    expect(problems({ prefix: "Do!" })[0]).toMatchObject({ field: "prefix" });
    expect(problems({ umbrella: "deploy" })[0]?.message).toContain("is a command itself");
    expect(problems({ prefix: "a-very-long-prefix-for-commands-" })[0]?.message).toContain("32 characters");
  });

  it("maps what Slack sends to the command it runs, and says how each is typed", () => {
    const prefixed = set({ prefix: "do-", commands: "status", umbrella: "dockops" });
    expect(commandFor(prefixed, "/do-status")).toBe("status");
    expect(commandFor(prefixed, "/dockops")).toBe("ops");
    expect(commandFor(prefixed, "/status")).toBeUndefined();
    expect(commandFor(prefixed, "/do-deploy")).toBeUndefined();
    expect(typedForm(prefixed, "status")).toBe("/do-status");
    expect(typedForm(prefixed, "deploy")).toBe("/dockops deploy");
    expect(typedForm(prefixed, "ops")).toBe("/dockops");
  });

  it("the bot reads the same choice from its environment and names the variable at fault", () => {
    expect(installedCommands(commandSetFromEnv({})).map((c) => c.slash)).toEqual(["/deploy", "/ops"]);
    expect(commandSetFromEnv({ SLACK_COMMAND_PREFIX: "do-", SLACK_COMMANDS: "status" })).toEqual({
      umbrella: "ops",
      prefix: "do-",
      topLevel: ["status"],
    });
    expect(() => commandSetFromEnv({ SLACK_COMMANDS: "status" })).toThrow(
      /SLACK_COMMANDS: `\/status` is Slack's own command/,
    );
    expect(commandEnv(set({ prefix: "do-", commands: "status" }))).toEqual({
      SLACK_COMMANDS: "status",
      SLACK_COMMAND_PREFIX: "do-",
    });
    expect(commandEnv(set({}))).toEqual({});
  });
});

describe("help texts in the installed form", () => {
  const defaultWording = installedWording(set({}));

  it("rewrite command mentions in code spans and bold titles", () => {
    expect(defaultWording("Usage: `/status [<project>] [<env>]`")).toBe(
      "Usage: `/ops status [<project>] [<env>]`",
    );
    expect(defaultWording("*/logs <project> <env>*\nExamples:\n• `/logs a1 beta`")).toBe(
      "*/ops logs <project> <env>*\nExamples:\n• `/ops logs a1 beta`",
    );
    expect(defaultWording("run `/deploy a1 beta` or check `/alerts`.")).toBe(
      "run `/deploy a1 beta` or check `/ops alerts`.",
    );
    const prefixed = installedWording(set({ prefix: "do-", umbrella: "dockops" }));
    expect(prefixed("each also works as `/ops <command> ...`; `/status a1`")).toBe(
      "each also works as `/dockops <command> ...`; `/do-status a1`",
    );
  });

  it("leave paths, log lines and code blocks alone", () => {
    for (const text of [
      "GET /status 200",
      "```\n/status\nGET `/logs/x`\n```",
      "```/status a1```",
      "see /var/lib/config and `/status/health`",
      "`/deployment`",
    ]) {
      expect(defaultWording(text)).toBe(text);
    }
  });
});
