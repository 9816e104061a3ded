import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { spread } from "../../commands/scale.js";
import { isAllowed } from "../../src/fleet/exec-allow.js";
import { parseFleet } from "../../src/fleet/load.js";
import type { Fleet } from "../../src/fleet/schema.js";

const example = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
).fleet;
const a1 = example.projects.a1 as Fleet["projects"][string];
/** The example fleet file, its a1 allowing no commands, plus a port-less worker that allows two. */
const fleet: Fleet = {
  ...example,
  projects: {
    ...example.projects,
    a1: { ...a1, exec: { allow: [] } },
    worker: {
      ...a1,
      image: "team/worker",
      ports: [],
      exec: { allow: ["php artisan migrate", "nginx -s reload"] },
    },
  },
};
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const prodApproval = { approvers: ["U0LEAD", "U0OPS"], allowSelfApproval: false, expiresMs: 1_800_000 };
const fails = (command: string, text: string) => {
  const result = planCommand(command, text, ctx);
  return result.ok ? `planned ${JSON.stringify(result.plan)}` : result.message;
};

describe("/rollback plans", () => {
  it("plans every host of the environment, or one", () => {
    expect(planCommand("rollback", "a1 beta", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "rollback",
        project: "a1",
        env: "beta",
        image: "a1",
        hosts: ["serverA", "serverB"],
        requestedBy: "U1",
        channel: "C0BETA",
        dryRun: false,
      },
    });
    expect(planCommand("ops", "rollback a1 prod serverC --dry-run", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "rollback",
        project: "a1",
        env: "prod",
        image: "a1",
        hosts: ["serverC"],
        requestedBy: "U1",
        channel: "C0BETA",
        dryRun: true,
        approval: prodApproval,
      },
    });
  });

  it.each([
    ["a2 beta", "no project `a2`; did you mean `a1`?"],
    ["a1 bta", "no environment `bta`; did you mean `beta`?"],
    ["a1 beta serverC", "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)"],
    ["a1", "name a project and an environment"],
    ["a1 beta --force", "unknown option `--force`; known options: `--dry-run`"],
  ])("%s → %s", (text, why) => {
    expect(fails("rollback", text)).toBe(
      `${why}\nUsage: \`/rollback <project> <env> [<host>|all] [--dry-run]\``,
    );
  });
});

describe("/promote plans", () => {
  it("reads from the source hosts and deploys to the target's, with the target's approval", () => {
    expect(planCommand("promote", "a1 beta prod", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "promote",
        project: "a1",
        fromEnv: "beta",
        fromHosts: ["serverA", "serverB"],
        env: "prod",
        image: "a1",
        hosts: ["serverB", "serverC"],
        requestedBy: "U1",
        channel: "C0BETA",
        dryRun: false,
        approval: prodApproval,
      },
    });
  });

  it.each([
    ["a1 beta beta", "promote from one environment to another, not `beta` to itself"],
    ["a1 beta", "name a project, the environment to promote from and the one to promote to"],
    ["a1 beta prd", "no environment `prd`; did you mean `prod`?"],
  ])("%s → %s", (text, why) => {
    expect(fails("promote", text)).toBe(
      `${why}\nUsage: \`/promote <project> <from-env> <to-env> [--dry-run]\``,
    );
  });
});

describe("/scale plans", () => {
  it("spreads replicas over hosts, the first ones taking the remainder", () => {
    expect(spread(5, ["a", "b"])).toEqual({ a: 3, b: 2 });
    expect(spread(1, ["a", "b"])).toEqual({ a: 1, b: 0 });
  });

  it("plans n replicas over the environment's hosts, or the ones named", () => {
    const result = planCommand("scale", "worker beta 3", ctx);
    expect(result.ok && result.plan).toEqual({
      kind: "scale",
      project: "worker",
      env: "beta",
      image: "team/worker",
      replicas: 3,
      hosts: ["serverA", "serverB"],
      perHost: { serverA: 2, serverB: 1 },
      requestedBy: "U1",
      channel: "C0BETA",
      dryRun: false,
    });
    const named = planCommand("scale", "worker prod 4 serverC --dry-run", ctx);
    expect(named.ok && named.plan).toMatchObject({
      hosts: ["serverC"],
      perHost: { serverC: 4 },
      dryRun: true,
    });
    const list = planCommand("scale", "a1 beta 2 serverB,serverA", ctx);
    expect(list.ok && list.plan).toMatchObject({
      hosts: ["serverB", "serverA"],
      perHost: { serverB: 1, serverA: 1 },
    });
  });

  it("refuses more replicas than hosts for a project that publishes host ports, saying why", () => {
    expect(fails("scale", "a1 beta 3")).toBe(
      "a1 publishes host ports (8080:80), so each host runs at most one replica: at most 2 on 2 hosts (serverA, serverB)\nUsage: `/scale <project> <env> <n> [<host>[,<host>...]] [--dry-run]`",
    );
  });

  it.each([
    ["worker beta two", "`two` is not a number of replicas (1 or more)"],
    ["worker beta 0", "`0` is not a number of replicas (1 or more)"],
    ["worker beta 2 serverC", "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)"],
    ["worker beta 41", "at most 20 replicas per host: at most 40 on 2 hosts (serverA, serverB)"],
  ])("%s → %s", (text, why) => {
    expect(fails("scale", text)).toBe(
      `${why}\nUsage: \`/scale <project> <env> <n> [<host>[,<host>...]] [--dry-run]\``,
    );
  });
});

describe("/exec plans", () => {
  it("keeps the command as an argv array, flags and all", () => {
    expect(planCommand("exec", "worker beta serverA -- php artisan migrate --force", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "exec",
        project: "worker",
        env: "beta",
        host: "serverA",
        argv: ["php", "artisan", "migrate", "--force"],
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    const prod = planCommand("ops", "exec worker prod serverC -- nginx -s reload", ctx);
    expect(prod.ok && prod.plan).toMatchObject({ argv: ["nginx", "-s", "reload"], approval: prodApproval });
  });

  it("matches allowed commands word for word from the start", () => {
    const allow = ["php artisan migrate", "nginx -s reload"];
    expect(isAllowed(allow, ["php", "artisan", "migrate"])).toBe(true);
    expect(isAllowed(allow, ["php", "artisan", "migrate:fresh"])).toBe(false);
    expect(isAllowed(allow, ["php", "artisan"])).toBe(false);
    expect(isAllowed(allow, ["sh", "-c", "php artisan migrate"])).toBe(false);
    expect(isAllowed(allow, [])).toBe(false);
  });

  it.each([
    [
      "worker beta serverA -- php artisan tinker",
      "`php artisan tinker` was not run: worker allows only commands starting with `php artisan migrate`, `nginx -s reload`",
    ],
    [
      "a1 beta serverA -- ls",
      "`ls` was not run: a1 allows no commands (add `exec: { allow: [...] }` to it in the fleet file)",
    ],
    [
      "worker beta serverA -- sh -c 'rm -rf /'",
      "`sh -c 'rm -rf /'` was not run: worker allows only commands starting with `php artisan migrate`, `nginx -s reload`",
    ],
  ])("refuses %s", (text, message) => {
    expect(fails("exec", text)).toBe(message);
  });

  it.each([
    ["worker beta serverA php artisan migrate", "put `--` between the host and the command"],
    ["worker beta -- php artisan migrate", "name a project, an environment and a host before `--`"],
    ["worker beta serverA --", "name the command after `--`"],
    [
      "worker beta serverC -- nginx -s reload",
      "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)",
    ],
  ])("%s → %s", (text, why) => {
    expect(fails("exec", text)).toBe(
      `${why}\nUsage: \`/exec <project> <env> <host> -- <command> [args...]\``,
    );
  });
});

describe("/lock and /unlock plans", () => {
  it("keeps the reason, with chat markup neutralised", () => {
    expect(planCommand("lock", "a1 prod migrating <!channel> `db`", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "lock",
        project: "a1",
        env: "prod",
        reason: "migrating &lt;!channel&gt; db",
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    expect(planCommand("ops", "unlock a1 prod", ctx)).toEqual({
      ok: true,
      plan: { kind: "unlock", project: "a1", env: "prod", requestedBy: "U1", channel: "C0BETA" },
    });
  });

  it("needs a reason", () => {
    expect(fails("lock", "a1 prod")).toMatch(/^say why/);
    expect(fails("unlock", "a1 prod now")).toBe("too many words: `now`\nUsage: `/unlock <project> <env>`");
  });
});
