import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { metricsRegistry } from "../../src/metrics.js";
import { SAMPLE_GAUGES } from "../../src/stats/sample-metrics.js";

type Panel = { title: string; targets?: Array<{ expr: string }> };
type Dashboard = { panels: Panel[]; templating: { list: Array<{ query?: string | { query: string } }> } };

const dashboard = JSON.parse(
  readFileSync(new URL("../../docs/grafana-dashboard.json", import.meta.url), "utf8"),
) as Dashboard;

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
const queries = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) =>
    typeof v.query === "object" ? [v.query.query] : v.query?.includes("(") ? [v.query] : [],
  ),
];
const queried = [...new Set(queries.flatMap((q) => q.match(/\bdockops_[a-z_]+/g) ?? []))].sort();

describe("docs/grafana-dashboard.json", () => {
  it("queries only metrics this code exports", async () => {
    const exported = (await metricsRegistry.getMetricsAsJSON()).map((m) => m.name);
    expect(queried.filter((name) => !exported.includes(name))).toEqual([]);
  });

  it("shows every sampled gauge", () => {
    expect(SAMPLE_GAUGES.filter((name) => !queried.includes(name))).toEqual([]);
  });
});
