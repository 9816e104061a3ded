import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planCommand } from "../../commands/index.js";
import { Access } from "../../src/core/access.js";
import type { Directory } from "../../src/core/directory.js";
import { formatIssues } from "../../src/fleet/load.js";
import { type Fleet, type FleetInput, fleetSchema } from "../../src/fleet/schema.js";

const example = parseYaml(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
) as FleetInput;

/**
 * beta is open; stage lets only configurers touch config and only readers read history and
 * status; prod is limited to its channel. serverB runs beta and prod, serverC prod and stage.
 */
const ruled: FleetInput = {
  ...example,
  roles: { configurers: ["U0CONF"], readers: ["U0READ"], pruners: ["U0PRUNE"], auditors: ["U0AUD"] },
  allow: { prune: ["pruners"], audit: ["auditors", "readers"], hosts: ["readers"] },
  environments: {
    beta: { channel: "C0BETA", hosts: ["serverA", "serverB"] },
    stage: {
      channel: "C0STAGE",
      hosts: ["serverC"],
      allow: { config: ["configurers"], history: ["readers"], status: ["readers"] },
    },
    prod: {
      channel: "C0PROD",
      channels: ["C0PROD"],
      hosts: ["serverB", "serverC"],
      approval: { approvers: ["U0LEAD"] },
    },
  },
};
const fleet: Fleet = fleetSchema.parse(ruled);
const access = new Access(fleet, { groupMembers: async () => [] } satisfies Directory);

/** The plan a user gets for a command typed in a channel, then the access check's verdict. */
async function verdict(command: string, text: string, user: string, channel = "C0BETA") {
  const result = planCommand(command, text, { fleet, user, channel });
  if (!result.ok) throw new Error(result.message);
  return access.check(result.plan as Parameters<Access["check"]>[0]);
}

describe("a command that reads two environments", () => {
  it("/config diff needs the right in both: a user refused stage's config cannot diff against it", async () => {
    expect(await verdict("config", "diff a1 beta stage", "U0DEV")).toEqual({
      ok: false,
      reason: "You may not run `config` in *stage*: only the *configurers* role may. Nothing was done.",
    });
    expect(await verdict("config", "diff a1 stage beta", "U0DEV")).toMatchObject({ ok: false });
    expect(await verdict("config", "diff a1 beta stage", "U0CONF")).toMatchObject({ ok: true });
  });
});

describe("reads carry who and where", () => {
  it("allow.history and allow.status let their roles in and keep others out", async () => {
    expect(await verdict("history", "a1 stage", "U0READ")).toMatchObject({ ok: true });
    expect(await verdict("status", "a1 stage", "U0READ")).toMatchObject({ ok: true });
    expect(await verdict("history", "a1 stage", "U0DEV")).toEqual({
      ok: false,
      reason: "You may not run `history` in *stage*: only the *readers* role may. Nothing was done.",
    });
  });

  it("channels: accepts /history and /status from the allowed channel only", async () => {
    expect(await verdict("history", "a1 prod", "U0DEV", "C0PROD")).toMatchObject({ ok: true });
    expect(await verdict("status", "prod", "U0DEV", "C0PROD")).toMatchObject({ ok: true });
    expect(await verdict("status", "prod", "U0DEV", "C0BETA")).toEqual({
      ok: false,
      reason: "*prod* commands may only be run from <#C0PROD>. Nothing was done.",
    });
  });

  it("/status with no environment is narrowed to the environments the user may see", async () => {
    expect(await verdict("status", "", "U0DEV", "C0BETA")).toEqual({
      ok: true,
      plan: {
        kind: "status",
        hosts: ["serverA", "serverB", "serverC"],
        requestedBy: "U0DEV",
        channel: "C0BETA",
        envs: ["beta"],
      },
    });
    // Who may see every environment gets the plan as asked: nothing hidden.
    expect(await verdict("status", "a1", "U0READ", "C0PROD")).toEqual({
      ok: true,
      plan: {
        kind: "status",
        project: "a1",
        hosts: ["serverA", "serverB", "serverC"],
        requestedBy: "U0READ",
        channel: "C0PROD",
      },
    });
  });

  it("/stats is judged by allow.status and narrowed like /status", async () => {
    expect(await verdict("stats", "a1 stage", "U0DEV")).toEqual({
      ok: false,
      reason: "You may not run `status` in *stage*: only the *readers* role may. Nothing was done.",
    });
    expect(await verdict("stats", "", "U0DEV", "C0BETA")).toEqual({
      ok: true,
      plan: {
        kind: "stats",
        hosts: ["serverA", "serverB", "serverC"],
        requestedBy: "U0DEV",
        channel: "C0BETA",
        envs: ["beta"],
      },
    });
  });
});

describe("commands with no environment", () => {
  it("a fleet without roles stays open", async () => {
    const open = new Access(fleetSchema.parse(example), { groupMembers: async () => [] });
    const plan = { kind: "prune", host: "serverC", requestedBy: "U0ANY", channel: "CANY" };
    expect(await open.denial(plan)).toBeUndefined();
    expect(await open.ownerOrApprover({ ...plan, kind: "cancel" }, ["prod"], "U0OTHER")).toBeUndefined();
    expect(await open.check({ kind: "audit", count: 20, requestedBy: "U0ANY", channel: "CANY" })).toEqual({
      ok: true,
      plan: { kind: "audit", count: 20, requestedBy: "U0ANY", channel: "CANY" },
    });
  });

  it("/prune <host> is for approvers of an environment there and the roles in top-level allow.prune", async () => {
    expect(await verdict("prune", "serverC", "U0LEAD")).toMatchObject({ ok: true });
    expect(await verdict("prune", "serverC", "U0PRUNE")).toMatchObject({ ok: true });
    expect(await verdict("prune", "serverA", "U0LEAD")).toEqual({
      ok: false,
      reason:
        "Only an approver of *beta* may run `prune` here (or a role in the fleet file's top-level `allow.prune`). Nothing was done.",
    });
    expect(await verdict("prune", "serverC", "U0DEV")).toMatchObject({ ok: false });
  });

  it("/cancel is for the job's requester and approvers of its environment", async () => {
    const plan = { kind: "cancel", requestedBy: "U0DEV", channel: "C0BETA" };
    expect(await access.ownerOrApprover(plan, ["prod"], "U0DEV")).toBeUndefined();
    expect(
      await access.ownerOrApprover({ ...plan, requestedBy: "U0LEAD" }, ["prod"], "U0DEV"),
    ).toBeUndefined();
    expect(await access.ownerOrApprover(plan, ["prod"], "U0LEAD")).toBe(
      "Only its requester or an approver of *prod* may run `cancel` here (or a role in the fleet file's top-level `allow.cancel`). Nothing was done.",
    );
  });

  it("a top-level allow restricts the command to its roles", async () => {
    expect(await verdict("audit", "", "U0DEV")).toEqual({
      ok: false,
      reason: "You may not run `audit`: only the *auditors* or *readers* role may. Nothing was done.",
    });
    expect(await verdict("jobs", "", "U0DEV")).toMatchObject({ ok: true });
    expect(await verdict("hosts", "", "U0DEV")).toEqual({
      ok: false,
      reason: "You may not run `hosts`: only the *readers* role may. Nothing was done.",
    });
    expect(await verdict("hosts", "serverA", "U0READ")).toMatchObject({ ok: true });
    // Naming an environment does not escape it, and the environment's read rule applies too.
    expect(await verdict("audit", "beta", "U0DEV")).toMatchObject({ ok: false });
    expect(await verdict("audit", "stage", "U0AUD")).toEqual({
      ok: false,
      reason: "You may not run `history` in *stage*: only the *readers* role may. Nothing was done.",
    });
    expect(await verdict("audit", "stage", "U0READ")).toMatchObject({ ok: true });
  });

  it("/audit and /job show only environments the user may read; who reads all is not narrowed", async () => {
    expect(await verdict("audit", "a1", "U0AUD", "C0BETA")).toMatchObject({
      ok: true,
      plan: { envs: ["beta"] },
    });
    expect(await verdict("job", "deploy-x-serverA", "U0DEV", "C0PROD")).toMatchObject({
      ok: true,
      plan: { envs: ["beta", "prod"] },
    });
    const all = await verdict("audit", "", "U0READ", "C0PROD");
    expect(all.ok && "envs" in all.plan).toBe(false);
  });

  it("the fleet file refuses a top-level allow for a command that names an environment, or an unknown role", () => {
    const bad = fleetSchema.safeParse({ ...ruled, allow: { deploy: ["pruners"], prune: ["admins"] } });
    expect(formatIssues("fleet.yml", bad.error?.issues ?? [])).toBe(
      [
        "fleet.yml is invalid:",
        '  allow.deploy: "deploy" is not a command that acts on no environment; use one of cancel, prune, proxy, jobs, job, audit, hosts, images, alerts, build',
        '  allow.prune.0: unknown role "admins"; the roles section defines configurers, readers, pruners, auditors',
      ].join("\n"),
    );
  });
});
