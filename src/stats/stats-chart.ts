import { CHART_WINDOWS, type ChartWindow } from "../../commands/stats.js";
import type { DeployStore } from "../deploys/store.js";
import { chartSvg, sparkline } from "./chart-svg.js";
import { svgToPng } from "./render-png.js";
import { formatBytes } from "./render-stats.js";
import type { SampleStore } from "./sample-store.js";

export type ChartRequest = {
  project: string;
  env: string;
  hosts: readonly string[];
  window: ChartWindow;
  now: number;
};

/** What a chart request produced: the PNG and its text summary, or why there is nothing to draw. */
export type ChartOutcome =
  | { ok: true; png: Buffer; filename: string; title: string; summary: string }
  | { ok: false; reason: string };

/** When each of the project+env's recent deploys finished (or began, while running). */
async function deployTimes(deploys: DeployStore, project: string, env: string): Promise<number[]> {
  const records = await deploys.history(project, env, 50);
  return records.map((r) => {
    const finished = Object.values(r.hosts).map((h) => h.finishedAt ?? 0);
    return Math.max(r.meta.createdAt, ...finished);
  });
}

/** The sampled CPU and memory of a project+env per host over the window, as a PNG and sparklines. */
export async function statsChart(
  samples: SampleStore,
  deploys: DeployStore,
  req: ChartRequest,
): Promise<ChartOutcome> {
  const from = req.now - CHART_WINDOWS[req.window];
  const hosts = await Promise.all(
    req.hosts.map(async (host) => ({
      host,
      points: (await samples.containerSeries(host, req.project, req.env, from, req.now)).map((s) => ({
        t: s.t,
        cpu: s.cpu,
        mem: s.mem,
      })),
    })),
  );
  const drawn = hosts.filter((h) => h.points.length > 0);
  if (drawn.length === 0) {
    return {
      ok: false,
      reason: `No samples of *${req.project}* in *${req.env}* in the last ${req.window}: the monitor samples running containers once per \`alerts.sampling.every\` (default 30s). Is a monitor running?`,
    };
  }
  const title = `${req.project} in ${req.env}, last ${req.window}`;
  const deployed = await deployTimes(deploys, req.project, req.env);
  const png = await svgToPng(chartSvg({ title, from, to: req.now, hosts: drawn, deploys: deployed }));
  const width = Math.max(...drawn.map((h) => h.host.length));
  const lines = drawn.flatMap((h) => {
    const cpu = h.points.map((p) => p.cpu);
    const mem = h.points.map((p) => p.mem);
    return [
      `${h.host.padEnd(width)}  cpu ${sparkline(cpu)}  max ${Math.max(...cpu).toFixed(1)}%`,
      `${"".padEnd(width)}  mem ${sparkline(mem)}  max ${formatBytes(Math.max(...mem))}`,
    ];
  });
  const inWindow = deployed.filter((t) => t >= from).length;
  const summary = [
    "```",
    ...lines,
    "```",
    `${inWindow} deploy${inWindow === 1 ? "" : "s"} in the window.`,
  ].join("\n");
  return { ok: true, png, filename: `stats-${req.project}-${req.env}-${req.window}.png`, title, summary };
}
