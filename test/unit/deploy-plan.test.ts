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

describe("/deploy plans", () => {
  it("plans every host of the environment with the default tag", () => {
    expect(planCommand("deploy", "a1 beta", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "deploy",
        project: "a1",
        env: "beta",
        image: "a1",
        tag: "latest",
        hosts: ["serverA", "serverB"],
        requestedBy: "U1",
        channel: "C0BETA",
        dryRun: false,
      },
    });
  });

  it("plans one host with an explicit tag, through /ops too", () => {
    const direct = planCommand("deploy", "a1:v1.0 beta serverA", ctx);
    expect(planCommand("ops", "deploy a1:v1.0 beta serverA", ctx)).toEqual(direct);
    expect(direct.ok && direct.plan).toMatchObject({ tag: "v1.0", hosts: ["serverA"] });
  });

  it("carries the approval rule of the environment", () => {
    const result = planCommand("deploy", "a1 prod all --dry-run", ctx);
    expect(result.ok && result.plan).toMatchObject({
      hosts: ["serverB", "serverC"],
      dryRun: true,
      approval: { approvers: ["U0LEAD", "U0OPS"], allowSelfApproval: false, expiresMs: 1_800_000 },
    });
  });

  it.each([
    ["a2 beta", "no project `a2`; did you mean `a1`?"],
    ["a1 bta", "no environment `bta`; did you mean `beta`?"],
    ["a1 beta serverD", "no host `serverD`; did you mean `serverA`?"],
    ["a1 beta serverC", "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)"],
    ["a1:bad/tag beta", "`bad/tag` is not a valid image tag"],
    ["a1 beta serverA extra", "too many words: `extra`"],
  ])("%s → %s", (text, message) => {
    const result = planCommand("deploy", text, ctx);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      `${message}\nUsage: \`/deploy <project>[:<tag>] <env> [<host>|all] [--dry-run]\``,
    );
  });

  it("lists the known commands for an unknown one", () => {
    const result = planCommand("ops", "depoly a1 beta", ctx);
    expect(!result.ok && result.message).toContain("unknown command `depoly`; did you mean `deploy`?");
  });

  it("answers help", () => {
    const result = planCommand("deploy", "help", ctx);
    expect(result.ok && result.plan.kind).toBe("help");
  });
});
