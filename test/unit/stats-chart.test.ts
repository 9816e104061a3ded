import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { parseFleet } from "../../src/fleet/load.js";
import { ShellChat } from "../../src/shell/shell-chat.js";
import { CHART_SIZE, type ChartInput, chartSvg, niceMax, sparkline } from "../../src/stats/chart-svg.js";
import { svgToPng } from "../../src/stats/render-png.js";
import { colourCounts, decodePng } from "../support/png.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const plan = (text: string) => planCommand("stats", text, { fleet, user: "U1", channel: "C0BETA" });
const asked = { requestedBy: "U1", channel: "C0BETA" };
const usageLine = "Usage: `/stats [<project>] [<env>] [--chart [1h|6h|24h|7d]]`";

describe("/stats --chart plans", () => {
  it("takes a window, 1h by default, for one project in one environment", () => {
    const scope = { project: "a1", env: "prod", hosts: ["serverB", "serverC"] };
    expect(plan("a1 prod --chart")).toEqual({
      ok: true,
      plan: { kind: "stats", ...scope, chart: "1h", ...asked },
    });
    expect(plan("a1 prod --chart 7d")).toEqual({
      ok: true,
      plan: { kind: "stats", ...scope, chart: "7d", ...asked },
    });
    expect(plan("--chart 24h a1 prod")).toEqual({
      ok: true,
      plan: { kind: "stats", ...scope, chart: "24h", ...asked },
    });
  });

  it("answers a chart without project and env, or a window without --chart, with usage", () => {
    expect(plan("a1 --chart")).toEqual({
      ok: false,
      message: `a chart is of one project in one environment, e.g. \`/stats a1 prod --chart\`\n${usageLine}`,
    });
    expect(plan("a1 prod 6h")).toEqual({
      ok: false,
      message: `\`6h\` is a chart window: add \`--chart\`\n${usageLine}`,
    });
    expect(plan("a1 prod --chart 2h").ok).toBe(false);
    expect(plan("a1 prod --chart 1h 6h")).toEqual({
      ok: false,
      message: `name one chart window\n${usageLine}`,
    });
  });
});

describe("chart pieces", () => {
  it("rounds axes up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 0.3, 7, 12, 45, 180, 3_000_000].map(niceMax)).toEqual([1, 0.5, 10, 20, 50, 200, 5_000_000]);
  });

  it("draws a sparkline scaled to the largest value, averaged down to its width", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([0, 0, 8, 8], 2)).toBe("▁█");
    expect(sparkline([0, 0])).toBe("▁▁");
    expect(sparkline([])).toBe("");
  });
});

const from = Date.UTC(2026, 10, 30, 10, 0);
const points = (scale: number) =>
  Array.from({ length: 120 }, (_, i) => ({
    t: from + i * 30_000,
    cpu: scale * (10 + 8 * Math.sin(i / 9)),
    mem: scale * (50 + i / 4) * 1024 ** 2,
  }));
const input: ChartInput = {
  title: "a1 in prod, last 1h",
  from,
  to: from + 3_600_000,
  hosts: [
    { host: "serverB", points: points(1) },
    { host: "serverC", points: points(2) },
  ],
  deploys: [from + 1_800_000],
};
const png = await svgToPng(chartSvg(input));

describe("the chart PNG", () => {
  const img = decodePng(png);

  it("decodes, at the expected size", () => {
    expect([img.width, img.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
  });

  it("is not blank: host lines, the deploy line and many colours are drawn", () => {
    const counts = colourCounts(img);
    const white = counts.get("#FFFFFF") ?? 0;
    expect(white / (img.width * img.height)).toBeLessThan(0.9);
    expect(counts.size).toBeGreaterThan(20);
    // Each host's colour and the deploy marker's, exactly as chosen.
    for (const colour of ["#0072B2", "#E69F00", "#C0392B"])
      expect(counts.get(colour) ?? 0).toBeGreaterThan(50);
  });

  it("renders the axis text (the labels left of the plots are dark pixels, nothing else is there)", () => {
    const labels = colourCounts(img, { x0: 0, y0: 60, x1: 74, y1: 480 });
    const dark = [...labels]
      .filter(([c]) => parseInt(c.slice(1, 3), 16) < 0x80)
      .reduce((n, [, k]) => n + k, 0);
    expect(dark).toBeGreaterThan(100);
    const title = colourCounts(img, { x0: 80, y0: 5, x1: 400, y1: 32 });
    expect([...title].filter(([c]) => c === "#222222").length).toBeGreaterThan(0);
  });
});

describe("a chart in the shell", () => {
  it("is saved to a file whose path is printed and returned", async () => {
    const printed: string[] = [];
    const chat = new ShellChat((text) => printed.push(text));
    const path = await chat.uploadImage("C1", "stats-a1-prod-1h.png", png, "a1 in prod, last 1h");
    expect(readFileSync(path).equals(png)).toBe(true);
    expect(printed).toEqual([`a1 in prod, last 1h: ${path}`]);
  });
});
