import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planCommand } from "../../commands/index.js";
import { maskCommandText } from "../../src/audit/mask-command.js";
import { Access } from "../../src/core/access.js";
import type { Directory } from "../../src/core/directory.js";
import { formatIssues } from "../../src/fleet/load.js";
import { type Fleet, type FleetInput, fleetSchema } from "../../src/fleet/schema.js";

const example = parseYaml(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
) as FleetInput;
const page = readFileSync(new URL("../../docs/approvals-and-roles.md", import.meta.url), "utf8");
/** The roles example at the top of docs/approvals-and-roles.md. */
const rolesSnippet = parseYaml(
  /# Approvals, roles and audit[\s\S]*?```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? "{}",
) as Partial<FleetInput>;

function withRoles(extra: Partial<FleetInput>): FleetInput {
  return {
    ...example,
    ...(extra.roles ? { roles: extra.roles } : {}),
    ...(extra.allow ? { allow: extra.allow } : {}),
    environments: { ...example.environments, ...extra.environments },
  };
}

const fleet: Fleet = fleetSchema.parse(withRoles(rolesSnippet));
const groups: Directory = { groupMembers: async (id) => (id === "S0DEPLOY" ? ["U0GRP"] : []) };
const plan = (kind: string, user: string, env = "prod", channel = "C0PROD") => ({
  kind,
  requestedBy: user,
  channel,
  env,
});

describe("fleet file roles", () => {
  it("loads the roles example of docs/approvals-and-roles.md", () => {
    expect(fleet.roles).toEqual({ deployers: ["U0DEV1", "S0DEPLOY"], configurers: ["U0LEAD"] });
    expect(fleet.allow).toEqual({ prune: ["deployers"] });
    expect(fleet.environments.prod).toMatchObject({
      channels: ["C0PROD"],
      allow: { deploy: ["deployers"], config: ["configurers"] },
    });
  });

  it("rejects an allow that names an unknown role, with its path", () => {
    const bad = withRoles({
      ...rolesSnippet,
      environments: { beta: { hosts: ["serverA"], allow: { deploy: ["deployers", "admins"] } } },
    });
    const result = fleetSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(formatIssues("fleet.yml", result.error?.issues ?? [])).toBe(
      'fleet.yml is invalid:\n  environments.beta.allow.deploy.1: unknown role "admins"; the roles section defines deployers, configurers',
    );
  });

  it("rejects a role member that is not a Slack user or group ID", () => {
    const result = fleetSchema.safeParse(withRoles({ roles: { deployers: ["@alice"] } }));
    expect(formatIssues("fleet.yml", result.error?.issues ?? [])).toContain(
      "roles.deployers.0: write a Slack user ID",
    );
  });
});

describe("access rules", () => {
  it("leaves everything open without roles and channels", async () => {
    const open = fleetSchema.parse(example);
    expect(await new Access(open, groups).denial(plan("deploy", "UANY", "prod", "CANY"))).toBeUndefined();
  });

  it.each([
    ["a deployer", plan("deploy", "U0DEV1"), undefined],
    ["a member of a user group in the role", plan("deploy", "U0GRP"), undefined],
    [
      "someone in no role",
      plan("deploy", "U0X"),
      "You may not run `deploy` in *prod*: only the *deployers* role may. Nothing was done.",
    ],
    [
      "a config kind under allow.config",
      plan("config-set", "U0DEV1"),
      "You may not run `config` in *prod*: only the *configurers* role may. Nothing was done.",
    ],
    ["a command prod does not restrict", plan("exec", "U0X"), undefined],
    [
      "a deployer in another channel",
      plan("deploy", "U0DEV1", "prod", "C0BETA"),
      "*prod* commands may only be run from <#C0PROD>. Nothing was done.",
    ],
    ["an environment without rules", plan("deploy", "U0X", "beta", "CANY"), undefined],
    ["a plan without an environment", { kind: "audit", requestedBy: "U0X", channel: "CANY" }, undefined],
  ])("%s", async (_name, p, expected) => {
    expect(await new Access(fleet, groups).denial(p)).toBe(expected);
  });
});

describe("audit masking", () => {
  it.each([
    ["a1 prod", "a1 prod"],
    ["a1 prod --secret DB_URL=postgres://u:pw@db/x", "a1 prod --secret DB_URL=••••/x"],
    ["a1 prod --secret=API=abcdefgh", "a1 prod --secret=API=••••gh"],
    ["a1 prod DB_PASSWORD=hunter2secret LOG=debug", "a1 prod DB_PASSWORD=••••et LOG=••••"],
    [
      "GITHUB_TOKEN=ghp_123456 AWS_SECRET_ACCESS=xy MY_KEY='quoted-value'",
      "GITHUB_TOKEN=••••56 AWS_SECRET_ACCESS=•••• MY_KEY=••••ue",
    ],
    ["a1  prod\t--secret  K=v", "a1  prod\t--secret  K=••••"],
  ])("%s", (text, masked) => {
    expect(maskCommandText(text)).toBe(masked);
  });
});

describe("/audit plans", () => {
  const ctx = { fleet, user: "U1", channel: "C0PROD" };
  it.each([
    ["", { count: 20 }],
    ["a1 prod 50", { project: "a1", env: "prod", count: 50 }],
    ["7 beta", { env: "beta", count: 7 }],
  ])("%s", (text, expected) => {
    expect(planCommand("audit", text, ctx)).toEqual({
      ok: true,
      plan: { kind: "audit", requestedBy: "U1", channel: "C0PROD", ...expected },
    });
  });

  it("suggests a name for a typo", () => {
    expect(planCommand("audit", "prd", ctx)).toEqual({
      ok: false,
      message:
        "no project or environment `prd`; did you mean `prod`?\nUsage: `/audit [<project>] [<env>] [<n>]`",
    });
  });
});
