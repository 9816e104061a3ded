import { type Asked, askedBy, type CommandContext } from "./context.js";
import { parseOptions } from "./options.js";
import { planned, type Result, usage } from "./result.js";
import { readScope } from "./status.js";

/** The windows a chart can show, and how long each is. */
export const CHART_WINDOWS = {
  "1h": 3_600_000,
  "6h": 21_600_000,
  "24h": 86_400_000,
  "7d": 604_800_000,
} as const;
export type ChartWindow = keyof typeof CHART_WINDOWS;

export type StatsPlan = {
  kind: "stats";
  project?: string;
  env?: string;
  hosts: string[];
  /** Set by the access check on a fleet-wide read: only these environments' containers are shown. */
  envs?: string[];
  /** `--chart`: the sampled history over this window as a PNG, instead of a live read. */
  chart?: ChartWindow;
} & Asked;

export const statsHelp = {
  name: "stats",
  usage: "/stats [<project>] [<env>] [--chart [1h|6h|24h|7d]]",
  description:
    "Resource usage read live from the hosts: CPU, memory, restarts and network per container; CPUs, memory and Docker disk usage per host. `--chart` uploads the sampled CPU and memory per host over time, deploys marked.",
  examples: ["/stats", "/stats a1", "/stats a1 beta", "/stats prod", "/stats a1 prod --chart 24h"],
};

const isWindow = (word: string): word is ChartWindow => Object.hasOwn(CHART_WINDOWS, word);

export function planStats(text: string, ctx: CommandContext): Result<StatsPlan> {
  const fail = (why: string) => usage(`${why}\nUsage: \`${statsHelp.usage}\``);
  const parsed = parseOptions(text, { flags: ["chart"] });
  if (!parsed.ok) return fail(parsed.message);
  const chart = parsed.plan.flags.has("chart");
  const windows = parsed.plan.words.filter((w) => isWindow(w.toLowerCase()));
  if (windows.length > 0 && !chart) return fail(`\`${windows[0]}\` is a chart window: add \`--chart\``);
  if (windows.length > 1) return fail("name one chart window");
  const words = parsed.plan.words.filter((w) => !isWindow(w.toLowerCase()));
  const scope = readScope(words, ctx.fleet);
  if (!scope.ok) return fail(scope.message);
  if (chart && (scope.plan.project === undefined || scope.plan.env === undefined)) {
    return fail("a chart is of one project in one environment, e.g. `/stats a1 prod --chart`");
  }
  const window = (windows[0]?.toLowerCase() ?? "1h") as ChartWindow;
  return planned({ kind: "stats", ...scope.plan, ...(chart ? { chart: window } : {}), ...askedBy(ctx) });
}
