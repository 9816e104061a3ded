/**
 * `/deploy <project>:<tag> <env> all` to environments of 1, 2 and 3 hosts (serverA; + serverB;
 * + serverC over TLS) through the real Bolt app, timed until the channel message is final. The
 * fan-out and rolling benchmarks differ only in how the environments deploy (`environment`).
 */
import { Redis } from "ioredis";
import { DeployStore } from "../../src/deploys/store.js";
import type { FleetInput } from "../../src/fleet/schema.js";
import { need } from "../support/fleet-env.js";
import { HOSTS, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { timedBotDeploy } from "./bot-deploy.js";
import { median } from "./median.js";

export type SizeRow = { hosts: number; medianMs: number; ratio: number };

type EnvironmentExtra = Omit<FleetInput["environments"][string], "hosts" | "channel">;

/**
 * Median per size over `rounds` alternating v1/v2, as a ratio to one host in the same run.
 * `warmUp: false` (the smoke tests) skips putting v1 in place first: the one round then creates.
 */
export async function timeBySize(
  name: string,
  rounds: number,
  { warmUp = true, environment = {} }: { warmUp?: boolean; environment?: EnvironmentExtra } = {},
): Promise<SizeRow[]> {
  // One environment and one project per size: <name>1 = serverA, <name>2 = serverA+B, <name>3 = all.
  const sizes = [1, 2, 3].map((n) => ({
    n,
    env: `${name}${n}`,
    channel: `C${name.toUpperCase()}${n}`,
    project: uniqueName(`${name}${n}x`),
    ms: [] as number[],
  }));
  const projects: Parameters<typeof startHarness>[0] = {};
  for (const s of sizes)
    projects[s.project] = {
      image: "web",
      ports: [`${await freePort()}:80`],
      verify: "0s",
      stopTimeout: "2s",
    };
  const h = await startHarness(projects, {
    environments: Object.fromEntries(
      sizes.map((s) => [s.env, { ...environment, channel: s.channel, hosts: HOSTS.slice(0, s.n) }]),
    ),
  });
  const redis = new Redis(need(h.fleetEnv, "REDIS_URL"));
  const store = new DeployStore(redis, h.prefix);
  const deploy = (s: (typeof sizes)[number], tag: string) =>
    timedBotDeploy(h, store, { project: s.project, tag, env: s.env, hosts: "all", channel: s.channel });
  try {
    // v1 everywhere first (images pulled, containers to replace), so each timed round is a change.
    if (warmUp) for (const s of sizes) await deploy(s, "v1");
    for (let i = 0; i < rounds; i++) {
      const tag = i % 2 === 0 ? "v2" : "v1";
      for (const s of sizes) s.ms.push((await deploy(s, tag)).messageMs);
    }
  } finally {
    redis.disconnect();
    await h.close();
  }
  const one = median(sizes[0]?.ms ?? []);
  return sizes.map((s) => ({ hosts: s.n, medianMs: median(s.ms), ratio: median(s.ms) / one }));
}

/** One row of the stdout table: `3 hosts (serverA, serverB, serverC)   9026 ms  1.28×`. */
export const sizeLine = (r: SizeRow): string =>
  `${`${r.hosts} host${r.hosts > 1 ? "s" : ""} (${HOSTS.slice(0, r.hosts).join(", ")})`.padEnd(42)} ${r.medianMs.toFixed(0).padStart(6)} ms  ${r.ratio.toFixed(2)}×`;
