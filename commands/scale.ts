import { MAX_REPLICAS } from "../src/jobs/schemas.js";
import { type ApprovalRule, approvalFor } from "./approval.js";
import type { CommandContext } from "./context.js";
import type { PinnedRun } from "./pinned.js";
import { planned, type Result } from "./result.js";
import { truncateWord } from "./suggest.js";
import { badEnv, badHost, badProject, readWords } from "./targets.js";

/** Replicas per host; a host given 0 stops (retires) the project's containers there. */
export type ScalePlan = {
  kind: "scale";
  project: string;
  env: string;
  image: string;
  replicas: number;
  hosts: string[];
  perHost: Record<string, number>;
  requestedBy: string;
  channel: string;
  dryRun: boolean;
  approval?: ApprovalRule;
  /** Set by its approval request: the run approvers saw, deployed as shown. */
  pinned?: PinnedRun;
};

export const scaleHelp = {
  name: "scale",
  usage: "/scale <project> <env> <n> [<host>[,<host>...]] [--dry-run]",
  description:
    "Run n replicas of the running version, spread evenly over the environment's hosts (or the hosts named); a project that publishes host ports runs at most one per host.",
  examples: ["/scale a1 beta 2", "/scale a1 beta 1 serverA", "/scale a1 beta 2 serverA,serverB --dry-run"],
};

/** n spread over hosts in order: the first n % hosts get one more. */
export function spread(n: number, hosts: readonly string[]): Record<string, number> {
  const base = Math.floor(n / hosts.length);
  return Object.fromEntries(hosts.map((h, i) => [h, base + (i < n % hosts.length ? 1 : 0)]));
}

export function planScale(text: string, ctx: CommandContext): Result<ScalePlan> {
  const read = readWords(text, scaleHelp.usage, {
    min: 3,
    max: Number.POSITIVE_INFINITY,
    missing: "name a project, an environment and a number of replicas",
    flags: ["dry-run"],
  });
  if ("ok" in read) return read;
  const { words, flags, fail } = read;
  const [project, env, count, ...hostWords] = words as [string, string, string, ...string[]];
  const { fleet } = ctx;
  const why = badProject(fleet, project) ?? badEnv(fleet, env);
  if (why) return fail(why);
  const envHosts = fleet.environments[env]?.hosts ?? [];
  const named = hostWords.flatMap((w) => w.split(",")).filter((w) => w !== "" && w !== "all");
  for (const host of named) {
    const hostWhy = badHost(fleet, env, host);
    if (hostWhy) return fail(hostWhy);
  }
  const hosts = named.length > 0 ? [...new Set(named)] : [...envHosts];
  if (!/^\d{1,3}$/.test(count) || Number(count) < 1) {
    return fail(`\`${truncateWord(count)}\` is not a number of replicas (1 or more)`);
  }
  const replicas = Number(count);
  const spec = fleet.projects[project];
  const where = `${hosts.length} host${hosts.length === 1 ? "" : "s"} (${hosts.join(", ")})`;
  if (spec && spec.ports.length > 0 && replicas > hosts.length) {
    return fail(
      `${project} publishes host ports (${spec.ports.join(", ")}), so each host runs at most one replica: at most ${hosts.length} on ${where}`,
    );
  }
  if (replicas > MAX_REPLICAS * hosts.length) {
    return fail(
      `at most ${MAX_REPLICAS} replicas per host: at most ${MAX_REPLICAS * hosts.length} on ${where}`,
    );
  }
  const approval = approvalFor(fleet, env);
  return planned({
    kind: "scale",
    project,
    env,
    image: spec?.image as string,
    replicas,
    hosts,
    perHost: spread(replicas, hosts),
    requestedBy: ctx.user,
    channel: ctx.channel,
    dryRun: flags.has("dry-run"),
    ...(approval ? { approval } : {}),
  });
}
