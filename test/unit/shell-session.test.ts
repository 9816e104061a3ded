import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ephemeral } from "../../src/core/message.js";
import { Ops } from "../../src/core/ops.js";
import { parseFleet } from "../../src/fleet/load.js";
import { ShellChat } from "../../src/shell/shell-chat.js";
import { EXIT, ShellSession } from "../../src/shell/shell-session.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);

/** The real Ops with a deploy handler that posts a message with buttons, and one action. */
function session() {
  const output = new PassThrough();
  let printed = "";
  output.on("data", (c: Buffer) => {
    printed += c.toString("utf8");
  });
  const chat = new ShellChat(() => {});
  const handlers = {
    deploy: async (plan: { project: string; channel: string; requestedBy: string }) => {
      await chat.post(plan.channel, {
        text: `*${plan.project}* needs a decision from <@${plan.requestedBy}>`,
        buttons: [
          { action: "decide:yes", label: "Go", value: "go-1" },
          { action: "decide:no", label: "Stop", value: "stop-1" },
        ],
      });
      return undefined;
    },
  } as unknown as ConstructorParameters<typeof Ops>[1];
  const actions = {
    decide: async (req: { action: string; value: string; user: string; message?: { ts: string } }) =>
      ephemeral(`${req.user} pressed ${req.action} (${req.value}) on message ${req.message?.ts}`),
  };
  const ops = new Ops(fleet, handlers, pino({ level: "silent" }), actions);
  const shell = new ShellSession({ ops, chat, user: "ULEAD", channel: "shell", output });
  return { shell, out: () => printed };
}

describe("ShellSession", () => {
  it("shows buttons as numbered choices and presses one through ops.act as the --user", async () => {
    const { shell, out } = session();
    expect(await shell.run("/deploy a1 beta")).toBe(EXIT.ok);
    expect(out()).toContain("[1]   a1 needs a decision from @ULEAD\n");
    expect(out()).toContain("choose: [1] Go   [2] Stop  (type the number)");
    expect(await shell.run("2")).toBe(EXIT.ok);
    expect(out()).toContain("ULEAD pressed decide:no (stop-1) on message 1");
    expect(await shell.run("7")).toBe(EXIT.usage);
    expect(out()).toContain("no choice 7");
  });

  it("--once returns 2 for a usage mistake, printing it, and 0 for help", async () => {
    const { shell, out } = session();
    expect(await shell.once("/deploy a1 btea")).toBe(EXIT.usage);
    expect(out()).toContain("no environment btea; did you mean beta?");
    expect(await shell.once("help")).toBe(EXIT.ok);
    expect(out()).toContain("Commands (each also works as /ops <command> ...):");
  });
});
