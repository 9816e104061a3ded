import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { parseFleet } from "../../src/fleet/load.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };

describe("/restart, /stop, /start plans", () => {
  it("plans every host of the environment, or the one named", () => {
    expect(planCommand("restart", "a1 beta", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "lifecycle",
        action: "restart",
        project: "a1",
        env: "beta",
        hosts: ["serverA", "serverB"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    const start = planCommand("ops", "start a1 beta serverB", ctx);
    expect(start.ok && start.plan).toMatchObject({ kind: "lifecycle", action: "start", hosts: ["serverB"] });
  });

  it("only /stop follows the environment's approval rule", () => {
    const stop = planCommand("stop", "a1 prod", ctx);
    expect(stop.ok && stop.plan).toMatchObject({
      action: "stop",
      approval: { approvers: ["U0LEAD", "U0OPS"], allowSelfApproval: false, expiresMs: 1_800_000 },
    });
    const restart = planCommand("restart", "a1 prod", ctx);
    expect(restart.ok && "approval" in restart.plan).toBe(false);
  });

  it.each([
    ["a1", /name a project and an environment/],
    ["a2 beta", /no project `a2`; did you mean `a1`\?/],
    ["a1 beta serverC", /host `serverC` is not in environment `beta`/],
    ["a1 beta serverA extra", /too many words: `extra`/],
    ["a1 beta --force", /unknown option `--force`/],
  ])("%s is a usage message", (text, message) => {
    const result = planCommand("stop", text, ctx);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
    expect(!result.ok && result.message).toContain("Usage: `/stop <project> <env> [<host>|all]`");
  });
});

describe("/silence and /alerts plans", () => {
  it("plans a silence with its duration in milliseconds", () => {
    expect(planCommand("silence", "a1 prod 90m", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "silence",
        project: "a1",
        env: "prod",
        durationMs: 5_400_000,
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    const end = planCommand("silence", "a1 prod 0", ctx);
    expect(end.ok && end.plan).toMatchObject({ durationMs: 0 });
  });

  it.each([
    ["a1 beta", /name a project, an environment and a duration/],
    ["a1 beta soon", /`soon` is not a duration/],
    ["a1 beta 8d", /at most/],
    ["a1 staging 1h", /no environment `staging`/],
  ])("%s is a usage message", (text, message) => {
    const result = planCommand("silence", text, ctx);
    expect(!result.ok && result.message).toMatch(message);
  });

  it("/alerts takes no arguments", () => {
    expect(planCommand("alerts", "", ctx)).toEqual({
      ok: true,
      plan: { kind: "alerts", requestedBy: "U1", channel: "C0BETA" },
    });
    expect(planCommand("alerts", "everything", ctx).ok).toBe(false);
  });
});
