import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { parseFleet } from "../../src/fleet/load.js";
import { describeJob } from "../../src/queue/job-view.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const message = (text: string, f = fleet) => {
  const r = planCommand("proxy", text, { ...ctx, fleet: f });
  return r.ok ? "planned" : r.message.split("\n")[0];
};

describe("/proxy plans", () => {
  it("plans a restart or an upgrade of one host's proxy", () => {
    expect(planCommand("proxy", "serverA restart", ctx)).toEqual({
      ok: true,
      plan: { kind: "proxy", action: "restart", host: "serverA", requestedBy: "U1", channel: "C0BETA" },
    });
    const upgrade = planCommand("ops", "proxy serverB UPGRADE", ctx);
    expect(upgrade.ok && upgrade.plan).toMatchObject({ kind: "proxy", action: "upgrade", host: "serverB" });
  });

  it("refuses bad input with what to type instead", () => {
    expect(message("serverA")).toBe("name a host and say `restart` or `upgrade`");
    expect(message("serverA reload")).toBe("say `restart` or `upgrade`, not `reload`");
    expect(message("serverA restart now")).toBe("too many words: `now`");
    expect(message("serverA restart --force")).toBe("unknown option `--force`");
    expect(message("serverZ restart")).toMatch(/^no host `serverZ`/);
    const { site: _, ...plain } = fleet.projects;
    expect(message("serverA restart", { ...fleet, projects: plain })).toBe(
      "No project is behind the proxy (`proxy:` in the fleet file), so no host runs one.",
    );
  });

  it("names its jobs in /jobs", () => {
    expect(describeJob("proxy", { action: "upgrade", host: "serverA" })).toBe("proxy upgrade on serverA");
    expect(describeJob("maintenance", { on: true, project: "site", env: "prod", host: "serverB" })).toBe(
      "maintenance on site prod@serverB",
    );
  });
});
