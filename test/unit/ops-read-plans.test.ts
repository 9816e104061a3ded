import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { parseOptions } from "../../commands/options.js";
import { parseFleet } from "../../src/fleet/load.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const plan = (command: string, text: string) => planCommand(command, text, ctx);
const message = (command: string, text: string) => {
  const result = plan(command, text);
  return result.ok ? `planned ${result.plan.kind}` : result.message;
};

describe("/status plans", () => {
  it("reads every host with no arguments, one env's hosts with an env", () => {
    expect(plan("status", "")).toEqual({
      ok: true,
      plan: {
        kind: "status",
        hosts: ["serverA", "serverB", "serverC"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    expect(plan("status", "a1 prod")).toEqual({
      ok: true,
      plan: {
        kind: "status",
        project: "a1",
        env: "prod",
        hosts: ["serverB", "serverC"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    expect(plan("ops", "status a1")).toEqual({
      ok: true,
      plan: {
        kind: "status",
        project: "a1",
        hosts: ["serverA", "serverB", "serverC"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
  });

  it("takes a lone environment name as the environment", () => {
    expect(plan("status", "beta")).toEqual({
      ok: true,
      plan: {
        kind: "status",
        env: "beta",
        hosts: ["serverA", "serverB"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
  });

  it("answers mistakes with usage", () => {
    expect(message("status", "a2")).toBe(
      "no project `a2`; did you mean `a1`?\nUsage: `/status [<project>] [<env>]`",
    );
    expect(message("status", "a1 staging")).toMatch(/^no environment `staging`/);
    expect(message("status", "a1 beta x")).toMatch(/^too many words: `x`/);
    expect(message("status", "--all")).toMatch(/^unknown option `--all`/);
  });
});

describe("/hosts plans", () => {
  it("lists every host, or the named ones", () => {
    expect(plan("hosts", "")).toEqual({
      ok: true,
      plan: { kind: "hosts", hosts: ["serverA", "serverB", "serverC"], requestedBy: "U1", channel: "C0BETA" },
    });
    expect(plan("hosts", "serverC serverC")).toEqual({
      ok: true,
      plan: { kind: "hosts", hosts: ["serverC"], requestedBy: "U1", channel: "C0BETA" },
    });
    expect(message("hosts", "serverD")).toMatch(/^no host `serverD`; did you mean `server[ABC]`\?/);
  });
});

describe("/history plans", () => {
  it("defaults to 10 deploys and takes a count", () => {
    expect(plan("history", "a1 beta")).toEqual({
      ok: true,
      plan: { kind: "history", project: "a1", env: "beta", count: 10, requestedBy: "U1", channel: "C0BETA" },
    });
    expect(plan("history", "a1 beta 25")).toMatchObject({ ok: true, plan: { count: 25 } });
  });

  it.each([
    ["a1", /^name a project and an environment/],
    ["a1 beta 0", /^`n` must be a whole number from 1 to 50, not `0`/],
    ["a1 beta 51", /from 1 to 50/],
    ["a1 beta x", /not `x`/],
    ["a1 beta 5 6", /^too many words/],
    ["nope beta", /^no project `nope`/],
  ])("%s → usage", (text, expected) => {
    expect(message("history", text)).toMatch(expected);
  });
});

describe("/logs plans", () => {
  it("plans every host of the environment with the default tail", () => {
    expect(plan("logs", "a1 beta")).toEqual({
      ok: true,
      plan: {
        kind: "logs",
        project: "a1",
        env: "beta",
        hosts: ["serverA", "serverB"],
        tail: 100,
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
  });

  it("takes a host, --tail N and --since DURATION in any order", () => {
    expect(plan("logs", "a1 --tail 500 prod serverC --since 10m")).toMatchObject({
      ok: true,
      plan: { env: "prod", hosts: ["serverC"], tail: 500, sinceMs: 600_000 },
    });
    expect(plan("ops", "logs a1 beta --tail=5")).toMatchObject({ ok: true, plan: { tail: 5 } });
  });

  it.each([
    ["a1 beta --tail", /^`--tail` needs a value/],
    ["a1 beta --tail 0", /^`--tail` must be a whole number from 1 to 5000, not `0`/],
    ["a1 beta --tail 5001", /from 1 to 5000/],
    ["a1 beta --tail -5", /needs a value|not `-5`/],
    ["a1 beta --since forever", /^`--since` takes a duration such as 30s, 10m or 2h, not `forever`/],
    ["a1 beta --since 0s", /^`--since` takes a duration/],
    ["a1 beta --follow", /^unknown option `--follow`/],
    ["a1 beta serverC", /^host `serverC` is not in environment `beta`/],
    ["a1 beta serverX", /^no host `serverX`/],
    ["a1", /^name a project and an environment/],
  ])("%s → usage", (text, expected) => {
    const result = message("logs", text);
    expect(result).toMatch(expected);
    expect(result).toContain("Usage: `/logs <project> <env> [<host>] [--tail N] [--since 10m]`");
  });
});

describe("/images plans", () => {
  it("names the project's repository and every host that may run it", () => {
    expect(plan("images", "a1")).toEqual({
      ok: true,
      plan: {
        kind: "images",
        project: "a1",
        image: "a1",
        hosts: ["serverA", "serverB", "serverC"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    expect(message("images", "")).toMatch(/^name a project/);
    expect(message("images", "a1 beta")).toMatch(/^name one project/);
  });
});

describe("/jobs, /job, /cancel plans", () => {
  it("plans by equality", () => {
    expect(plan("jobs", "")).toEqual({
      ok: true,
      plan: { kind: "jobs", count: 10, requestedBy: "U1", channel: "C0BETA" },
    });
    expect(plan("jobs", "30")).toEqual({
      ok: true,
      plan: { kind: "jobs", count: 30, requestedBy: "U1", channel: "C0BETA" },
    });
    expect(plan("job", "deploy-abc123-serverA")).toEqual({
      ok: true,
      plan: { kind: "job", id: "deploy-abc123-serverA", requestedBy: "U1", channel: "C0BETA" },
    });
    expect(plan("ops", "cancel deploy-abc123-serverA")).toEqual({
      ok: true,
      plan: { kind: "cancel", id: "deploy-abc123-serverA", requestedBy: "U1", channel: "C0BETA" },
    });
  });

  it.each([
    ["jobs", "0", /from 1 to 50/],
    ["jobs", "1 2", /^too many words/],
    ["job", "", /^name one job id/],
    ["job", "a:b", /^`a:b` is not a job id/],
    ["cancel", "$(id)", /is not a job id/],
    ["cancel", "x --force", /^unknown option `--force`/],
  ])("/%s %s → usage", (command, text, expected) => {
    expect(message(command, text)).toMatch(expected);
  });
});

describe("/prune plans", () => {
  it("names one host of the fleet", () => {
    expect(plan("prune", "serverB")).toEqual({
      ok: true,
      plan: { kind: "prune", host: "serverB", requestedBy: "U1", channel: "C0BETA" },
    });
    expect(message("prune", "")).toMatch(/^name a host/);
    expect(message("prune", "serverA serverB")).toMatch(/^name one host/);
    expect(message("prune", "serverQ")).toMatch(/^no host `serverQ`/);
  });
});

describe("parseOptions", () => {
  it("separates words, valued options and flags", () => {
    expect(
      parseOptions("a --tail 5 b --since=1h --dry-run", { valued: ["tail", "since"], flags: ["dry-run"] }),
    ).toEqual({
      ok: true,
      plan: { words: ["a", "b"], values: { tail: "5", since: "1h" }, flags: new Set(["dry-run"]) },
    });
    expect(parseOptions("--dry-run=yes", { flags: ["dry-run"] })).toEqual({
      ok: false,
      message: "`--dry-run` takes no value",
    });
  });
});
