import { formatBytes } from "./render-stats.js";

export type ChartPoint = { t: number; cpu: number; mem: number };
export type ChartInput = {
  title: string;
  from: number;
  to: number;
  hosts: { host: string; points: ChartPoint[] }[];
  /** When deploys finished: drawn as vertical lines. */
  deploys: number[];
};

export const CHART_SIZE = { width: 960, height: 560 } as const;
/** One colour per host, distinct for colour-blind readers (Okabe–Ito). */
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"];
const DEPLOY_COLOUR = "#C0392B";
const FONT = "DejaVu Sans";
const LEFT = 80;
const RIGHT = 20;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const round = (n: number) => Math.round(n * 10) / 10;

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten at or above `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

/** "14:05" within a day, "11-28 14:05" beyond: the time axis labels, in UTC like the rest of chat. */
function timeLabel(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  return spanMs > 24 * 3_600_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

type Panel = {
  top: number;
  height: number;
  label: string;
  value: (p: ChartPoint) => number;
  format: (v: number) => string;
};

function panel(input: ChartInput, p: Panel): string[] {
  const width = CHART_SIZE.width - LEFT - RIGHT;
  const span = Math.max(1, input.to - input.from);
  const x = (t: number) => round(LEFT + ((t - input.from) / span) * width);
  const max = niceMax(Math.max(0, ...input.hosts.flatMap((h) => h.points.map(p.value))));
  const y = (v: number) => round(p.top + p.height - (v / max) * p.height);
  const out = [
    `<text x="${LEFT}" y="${p.top - 8}" font-size="14" font-weight="bold">${esc(p.label)}</text>`,
    `<rect x="${LEFT}" y="${p.top}" width="${width}" height="${p.height}" fill="#FAFAFA" stroke="#BBBBBB"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + width}" y1="${y(v)}" y2="${y(v)}" stroke="#E3E3E3"/>`,
      `<text x="${LEFT - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${esc(p.format(v))}</text>`,
    );
  }
  for (const t of input.deploys.filter((d) => d >= input.from && d <= input.to)) {
    out.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${p.top}" y2="${p.top + p.height}" stroke="${DEPLOY_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
  }
  input.hosts.forEach((h, i) => {
    if (h.points.length === 0) return;
    const colour = COLOURS[i % COLOURS.length];
    const path = h.points.map((pt, j) => `${j === 0 ? "M" : "L"}${x(pt.t)},${y(p.value(pt))}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2.5" stroke-linejoin="round"/>`);
  });
  return out;
}

/** The chart as an SVG document: CPU above memory, one line per host, deploys as dashed lines. */
export function chartSvg(input: ChartInput): string {
  const { width, height } = CHART_SIZE;
  const panelHeight = 190;
  const span = Math.max(1, input.to - input.from);
  const ticks = [0, 1, 2, 3, 4].map((i) => input.from + (span * i) / 4);
  const axisY = 60 + 2 * panelHeight + 40 + 16;
  const legend = input.hosts.map((h, i) => {
    const x = LEFT + i * 150;
    return `<rect x="${x}" y="${height - 30}" width="14" height="14" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 20}" y="${height - 18}" font-size="13">${esc(h.host)}</text>`;
  });
  const deployLegendX = LEFT + input.hosts.length * 150;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" fill="#222222">`,
    `<rect width="${width}" height="${height}" fill="#FFFFFF"/>`,
    `<text x="${LEFT}" y="26" font-size="18" font-weight="bold">${esc(input.title)}</text>`,
    ...panel(input, {
      top: 60,
      height: panelHeight,
      label: "CPU (% of one CPU)",
      value: (p) => p.cpu,
      format: (v) => `${round(v)}%`,
    }),
    ...panel(input, {
      top: 60 + panelHeight + 40,
      height: panelHeight,
      label: "Memory used",
      value: (p) => p.mem,
      format: formatBytes,
    }),
    ...ticks.map(
      (t) =>
        `<text x="${round(LEFT + ((t - input.from) / span) * (width - LEFT - RIGHT))}" y="${axisY}" font-size="11" text-anchor="middle">${esc(timeLabel(t, span))}</text>`,
    ),
    ...legend,
    `<line x1="${deployLegendX}" x2="${deployLegendX + 14}" y1="${height - 23}" y2="${height - 23}" stroke="${DEPLOY_COLOUR}" stroke-width="2" stroke-dasharray="4 3"/>`,
    `<text x="${deployLegendX + 20}" y="${height - 18}" font-size="13">deploy</text>`,
    `<text x="${width - RIGHT}" y="${height - 18}" font-size="11" text-anchor="end">UTC</text>`,
    "</svg>",
  ].join("\n");
}

const BARS = "▁▂▃▄▅▆▇█";

/** A compact text chart for terminals: one block character per value, scaled to the largest. */
export function sparkline(values: readonly number[], width = 40): string {
  if (values.length === 0) return "";
  // Averaged down to `width` columns so a day of samples still fits a line.
  const per = Math.max(1, Math.ceil(values.length / width));
  const cols: number[] = [];
  for (let i = 0; i < values.length; i += per) {
    const chunk = values.slice(i, i + per);
    cols.push(chunk.reduce((a, b) => a + b, 0) / chunk.length);
  }
  const max = Math.max(...cols);
  return cols.map((v) => BARS[max > 0 ? Math.min(7, Math.floor((v / max) * 7.999)) : 0]).join("");
}
