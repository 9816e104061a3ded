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

// The example fleet plus a project whose image is only the runtime and whose code comes from git.
const withCode = parseFleet(
  `${readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8")}
  w1:
    image: php-runtime
    tag: "8.2"
    code:
      repo: /srv/git/w1.git
      ref: main
`,
  "fleet.yml",
  {},
).fleet;
const codeCtx = { fleet: withCode, user: "U1", channel: "C0BETA" };

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
      `${message}\nUsage: \`/deploy <project>[:<tag>][@<git ref>] <env> [<host>|all] [--dry-run]\``,
    );
  });

  it("plans a project with code at its fleet ref, or at the ref after @", () => {
    const base = {
      kind: "deploy",
      project: "w1",
      env: "beta",
      image: "php-runtime",
      tag: "8.2",
      hosts: ["serverA", "serverB"],
      requestedBy: "U1",
      channel: "C0BETA",
      dryRun: false,
    };
    expect(planCommand("deploy", "w1 beta", codeCtx)).toEqual({ ok: true, plan: { ...base, ref: "main" } });
    expect(planCommand("deploy", "w1@release/2.1 beta", codeCtx)).toEqual({
      ok: true,
      plan: { ...base, ref: "release/2.1" },
    });
    expect(planCommand("deploy", "w1:8.3@0123abc beta serverB", codeCtx)).toEqual({
      ok: true,
      plan: { ...base, tag: "8.3", ref: "0123abc", hosts: ["serverB"] },
    });
  });

  it.each([
    ["w1@ beta", "`` is not a git ref; name a branch, tag or commit such as `main`"],
    [
      "w1@--upload-pack=x beta",
      "`--upload-pack=x` is not a git ref; name a branch, tag or commit such as `main`",
    ],
    ["w1@a..b beta", "`a..b` is not a git ref; name a branch, tag or commit such as `main`"],
    [
      "a1@main beta",
      "project `a1` has no `code` section in the fleet file, so `@main` names no code to deploy",
    ],
  ])("%s → %s", (text, message) => {
    expect(planCommand("deploy", text, codeCtx)).toEqual({
      ok: false,
      message: `${message}\nUsage: \`/deploy <project>[:<tag>][@<git ref>] <env> [<host>|all] [--dry-run]\``,
    });
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
