import { describe, expect, it } from "vitest";
import { plainText } from "../../src/shell/plain-text.js";
import { ShellChat } from "../../src/shell/shell-chat.js";
import { splitCommand } from "../../src/shell/shell-session.js";

describe("mrkdwn in the terminal", () => {
  it.each([
    ["*bold* and <@U1>", "bold and @U1"],
    [":white_check_mark: Deployed *a1:v2* to *beta*", "✅ Deployed a1:v2 to beta"],
    ["<https://x.test/a|the log> and <#C1|ops>", "the log (https://x.test/a) and #ops"],
    ["run `docker ps` &amp; wait &lt;1s&gt;", "run docker ps & wait <1s>"],
    [":unknown_emoji: stays", ":unknown_emoji: stays"],
    ["2*3*4 is not bold", "2*3*4 is not bold"],
  ])("%s", (input, output) => {
    expect(plainText(input)).toBe(output);
  });

  it("keeps code blocks as they are", () => {
    expect(plainText("logs:\n```\n*not bold* <@U1>\n  indented\n```\ndone")).toBe(
      "logs:\n*not bold* <@U1>\n  indented\ndone",
    );
  });

  it("aligns pipe tables", () => {
    expect(plainText("| host | state |\n|---|---|\n| serverA | running |\n| b | *down* |")).toBe(
      ["host    | state", "--------+--------", "serverA | running", "b       | down"].join("\n"),
    );
  });
});

describe("ShellChat", () => {
  it("prints a post whole, then only the lines an update changes, and numbers buttons", async () => {
    const printed: string[] = [];
    const chat = new ShellChat((t) => printed.push(t));
    const ref = await chat.post("shell", {
      text: ":rocket: Deploying *a1*\n:hourglass: *serverA*: queued",
      progress: "running",
    });
    expect(chat.busy).toBe(true);
    await chat.update(ref, {
      text: ":rocket: Deploying *a1*\n:arrows_counterclockwise: *serverA*: pulling image",
      progress: "running",
      buttons: [{ action: "cancel", label: "Cancel", value: "d1" }],
    });
    await chat.update(ref, { text: ":x: Deploy of *a1* failed\n:x: *serverA*: failed", progress: "failed" });
    expect(printed).toEqual([
      "[1]   🚀 Deploying a1\n      ⏳ serverA: queued",
      "[1]   🔄 serverA: pulling image",
      "      choose: [1] Cancel  (type the number)",
      "[1]   ❌ Deploy of a1 failed\n      ❌ serverA: failed",
    ]);
    expect(chat.choice(1)).toEqual({
      button: { action: "cancel", label: "Cancel", value: "d1" },
      message: ref,
    });
    expect(await chat.settled()).toEqual({ failed: true });
  });

  it("reads a message that loses its progress mark as failed", async () => {
    const chat = new ShellChat(() => {});
    const ref = await chat.post("shell", { text: "Deploying", progress: "running" });
    await chat.update(ref, { text: ":x: not started: Redis is down" });
    expect(await chat.settled()).toEqual({ failed: true });
  });
});

describe("shell lines", () => {
  it.each([
    ["/deploy a1 beta", { command: "deploy", rest: "a1 beta" }],
    ["deploy a1 beta", { command: "ops", rest: "deploy a1 beta" }],
    ["help", { command: "ops", rest: "help" }],
    ["/ops", { command: "ops", rest: "" }],
  ])("%s", (line, expected) => {
    expect(splitCommand(line)).toEqual(expected);
  });
});
