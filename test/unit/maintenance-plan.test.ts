import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { renderMaintenance } from "../../src/core/maintenance-service.js";
import { renderStatus } from "../../src/core/status-service.js";
import { parseFleet } from "../../src/fleet/load.js";
import { maintenanceJobSchema } from "../../src/jobs/schemas.js";

// The example fleet, whose `site` is behind the proxy.
const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const refused = (text: string) => {
  const r = planCommand("maintenance", text, ctx);
  return r.ok ? "planned" : r.message.split("\n")[0];
};

describe("/maintenance plans", () => {
  it("turns a proxied project's maintenance on with the message, on every host of the environment", () => {
    expect(planCommand("maintenance", "site beta on  Moving the  database --back at 18:00 ", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "maintenance",
        on: true,
        project: "site",
        env: "beta",
        hosts: ["serverA", "serverB"],
        message: "Moving the database --back at 18:00",
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
  });

  it("says something by default, follows prod's approval rule for on, and not for off", () => {
    const on = planCommand("ops", "maintenance site prod ON", ctx);
    expect(on.ok && on.plan).toMatchObject({
      on: true,
      message: "site is down for maintenance; please try again in a few minutes.",
      hosts: ["serverB", "serverC"],
      approval: { approvers: ["U0LEAD", "U0OPS"] },
    });
    const off = planCommand("maintenance", "site prod off", ctx);
    expect(off.ok && off.plan).toEqual({
      kind: "maintenance",
      on: false,
      project: "site",
      env: "prod",
      hosts: ["serverB", "serverC"],
      requestedBy: "U1",
      channel: "C0BETA",
    });
  });

  it("refuses what it cannot do, saying what to do instead", () => {
    expect(refused("a1 beta on")).toBe(
      "*a1* is not behind the proxy (no `proxy:` in the fleet file), so nothing can answer for it while it is down. Use `/stop a1 beta`, or put it behind the proxy first (see the proxy guide).",
    );
    expect(refused("site beta")).toBe("say `on` or `off`");
    expect(refused("site beta maybe")).toBe("say `on` or `off`, not `maybe`");
    expect(refused("site beta off now")).toBe("`off` takes no message: `now`");
    expect(refused("site")).toBe("name a project and an environment");
    expect(refused("sitep beta on")).toMatch(/^no project `sitep`; did you mean `site`/);
    expect(refused("site gamma on")).toMatch(/^no environment `gamma`/);
    // Caddy would fill these in from its own environment: `{env.AWS_SECRET_ACCESS_KEY}`.
    expect(refused("site beta on back soon {env.AWS_SECRET_ACCESS_KEY}")).toBe(
      "leave `{` and `}` out of the message: the proxy would read them as placeholders",
    );
    expect(refused(`site beta on ${"x".repeat(301)}`)).toBe("keep the message under 300 characters");
  });

  it("the job contract refuses a message with braces or control characters, whoever sends it", () => {
    const job = {
      requestId: "abcdef12",
      on: true,
      project: "site",
      env: "beta",
      host: "serverA",
      requestedBy: "U1",
    };
    expect(maintenanceJobSchema.safeParse({ ...job, message: "back soon" }).success).toBe(true);
    expect(maintenanceJobSchema.safeParse({ ...job, message: "{env.KEY}" }).success).toBe(false);
    expect(maintenanceJobSchema.safeParse({ ...job, message: "a\u0007b" }).success).toBe(false);
  });

  it("the channel message shows each host's outcome; /status shows the maintenance below its table", () => {
    const plan = {
      kind: "maintenance" as const,
      on: true,
      project: "site",
      env: "beta",
      hosts: ["serverA", "serverB"],
      message: "<!channel> back *soon*",
      requestedBy: "U1",
      channel: "C0BETA",
    };
    expect(
      renderMaintenance(plan, {
        serverA: { state: "done", result: { host: "serverA", on: true, changed: true } },
        serverB: { state: "failed", error: "serverB is unreachable" },
      }).text,
    ).toBe(
      [
        ":x: Maintenance on for *site* in *beta*, requested by <@U1>: failed",
        "> &lt;!channel&gt; back *soon*",
        "• *serverA*: the proxy answers 503",
        "• *serverB*: serverB is unreachable",
      ].join("\n"),
    );
    const status = renderStatus(
      { kind: "status", hosts: ["serverA"], requestedBy: "U1", channel: "C0BETA" } as never,
      [],
      1_000_000,
      [
        {
          project: "site",
          env: "beta",
          host: "serverA",
          message: "back soon",
          by: "U2",
          at: 1_000_000 - 180_000,
        },
        { project: "site", env: "beta", host: "serverC", message: "not read", by: "U2", at: 0 },
      ],
    );
    expect(status.split("\n").slice(1)).toEqual([
      ":construction: *site* (beta) on *serverA* is in maintenance (for 3m, by <@U2>): its proxy answers 503 “back soon”",
    ]);
  });
});
