import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import type { ReportPlan } from "../../commands/report.js";
import type { DeployRecord, HostStatus } from "../../src/deploys/store.js";
import { parseFleet } from "../../src/fleet/load.js";
import { doraRows, median } from "../../src/report/dora.js";
import { renderReport } from "../../src/report/render-report.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const H = 3600_000;
const DAY = 24 * H;

function deploy(
  id: string,
  env: string,
  createdAt: number,
  state: HostStatus["state"],
  extra: { via?: string; builtAt?: number; took?: number } = {},
): DeployRecord {
  return {
    meta: {
      id,
      project: "a1",
      env,
      tag: id,
      hosts: ["serverA"],
      requestedBy: "U1",
      channel: "C",
      createdAt,
      ...(extra.via ? { via: extra.via } : {}),
    },
    hosts: {
      serverA: {
        state,
        startedAt: createdAt,
        ...(state === "succeeded" || state === "failed"
          ? { finishedAt: createdAt + (extra.took ?? 60_000) }
          : {}),
        ...(extra.builtAt !== undefined ? { imageCreatedAt: extra.builtAt } : {}),
      },
    },
  };
}

describe("/report plans", () => {
  it("defaults to 7 days of everything, takes words in any order", () => {
    expect(planCommand("report", "", ctx)).toEqual({
      ok: true,
      plan: { kind: "report", days: 7, requestedBy: "U1", channel: "C0BETA" },
    });
    expect(planCommand("ops", "report 30d prod a1", ctx)).toEqual({
      ok: true,
      plan: { kind: "report", project: "a1", env: "prod", days: 30, requestedBy: "U1", channel: "C0BETA" },
    });
  });

  it("refuses an unknown name, a window past 90 days and options, with the usage", () => {
    const message = (text: string) => {
      const r = planCommand("report", text, ctx);
      return r.ok ? "planned" : r.message;
    };
    expect(message("a2")).toMatch(/^no project or environment `a2`; did you mean `a1`\?\nUsage: `\/report/);
    expect(message("120d")).toMatch(/^report on 1 to 90 days/);
    expect(message("--chart")).toMatch(/^unknown option `--chart`/);
    expect(message("a1 prod 7d extra")).toMatch(/^too many words/);
  });
});

describe("DORA figures", () => {
  const window = { from: 0, to: 7 * DAY };

  it("are exact over a seeded history", () => {
    const records = [
      // beta: three deploys, one failed; built 2h before each finished
      deploy("b1", "beta", 1 * DAY, "succeeded", { builtAt: 1 * DAY - 2 * H + 60_000 }),
      deploy("b2", "beta", 2 * DAY, "failed", { builtAt: 2 * DAY - H }),
      deploy("b3", "beta", 3 * DAY, "succeeded", { builtAt: 3 * DAY - 4 * H + 60_000 }),
      // prod: p1 raised an alert 30 min after it finished; p2 was rolled back by p3
      deploy("p1", "prod", 1 * DAY, "succeeded", { builtAt: 1 * DAY - 10 * H + 60_000 }),
      deploy("p2", "prod", 4 * DAY, "succeeded", { builtAt: 4 * DAY - 20 * H + 60_000 }),
      deploy("p3", "prod", 4 * DAY + H, "succeeded", { via: "rollback to p1" }),
      // outside the window: counted only as the deploy before, never itself
      deploy("old", "prod", -DAY, "succeeded"),
      // still running, or superseded before it began: not counted
      deploy("p4", "prod", 5 * DAY, "running"),
      deploy("p5", "prod", 5 * DAY + H, "superseded"),
    ];
    const incidents = [
      { project: "a1", env: "prod", eventAt: 1 * DAY + 60_000 + 30 * 60_000, resolvedAt: 1 * DAY + 2 * H },
      { project: "a1", env: "prod", eventAt: 6 * DAY, resolvedAt: 6 * DAY + 10 * 60_000 },
      { project: "a1", env: "prod", eventAt: 6 * DAY + H },
      { project: "a1", env: "beta", eventAt: -2 * DAY, resolvedAt: -DAY },
    ];
    expect(doraRows(records, incidents, window)).toEqual([
      {
        project: "a1",
        env: "beta",
        deploys: 3,
        perWeek: 3,
        failures: 1,
        failureRate: 1 / 3,
        leadTimeMs: 3 * H,
        restored: 0,
        stillOpen: 0,
      },
      {
        project: "a1",
        env: "prod",
        deploys: 3,
        perWeek: 3,
        failures: 2,
        failureRate: 2 / 3,
        leadTimeMs: 15 * H,
        restoreMs: (2 * H - 60_000 - 30 * 60_000 + 10 * 60_000) / 2,
        restored: 2,
        stillOpen: 1,
      },
    ]);
  });

  it("median of even and odd counts, none when empty", () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("render as a table with dashes where nothing was measured", () => {
    const plan: ReportPlan = { kind: "report", project: "a1", days: 7, requestedBy: "U1", channel: "C" };
    const rows = doraRows([deploy("b1", "beta", DAY, "failed")], [], window);
    expect(renderReport(plan, rows)).toBe(
      [
        "*Delivery report for a1, last 7 days*",
        "```",
        "project  env   deploys  per week  change failure  lead time  time to restore",
        "a1       beta  1        1         100% (1)        —          —",
        "```",
        "_Lead time: image built → deploy finished (median). Change failure: failed, rolled back next, or alerted within 1h. Time to restore: alert → resolved (median)._",
      ].join("\n"),
    );
    expect(renderReport(plan, [])).toBe(
      "*Delivery report for a1, last 7 days*\nNo deploys or alerts on record in that time.",
    );
  });
});
