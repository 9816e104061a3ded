/**
 * Fan-out: `/deploy <project>:<tag> <env> all` to environments of 1, 2 and 3 hosts, through the
 * real Bolt app, until the channel message is final; each size's median relative to one host in
 * the same run. Goal from issue #18, reported and not asserted: 3 hosts ≤ 1.2× one host.
 * Run: `BENCH_ONLY=fanout npm run bench` (BENCH_ROUNDS, default 10).
 */
import { Redis } from "ioredis";
import { DeployStore } from "../../src/deploys/store.js";
import { need } from "../support/fleet-env.js";
import { HOSTS, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { timedBotDeploy } from "./bot-deploy.js";
import { median } from "./median.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const GOAL_RATIO = 1.2;

/** `warmUp: false` (the smoke test) skips putting v1 in place first: the one round then creates. */
export async function fanoutBench(rounds = ROUNDS, { warmUp = true } = {}): Promise<Record<string, unknown>> {
  // One environment and one project per size: fan1 = serverA, fan2 = serverA+B, fan3 = all three.
  const sizes = [1, 2, 3].map((n) => ({
    n,
    env: `fan${n}`,
    channel: `CFAN${n}`,
    project: uniqueName(`fan${n}x`),
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
      sizes.map((s) => [s.env, { channel: s.channel, hosts: HOSTS.slice(0, s.n) }]),
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
  const rows = sizes.map((s) => ({ hosts: s.n, medianMs: median(s.ms), ratio: median(s.ms) / one }));
  const three = rows[2]?.ratio ?? Number.NaN;
  process.stdout.write(
    [
      `fan-out benchmark, /deploy <project> <env> all, ${rounds} rounds alternating v1/v2`,
      "(median wall time until the channel message is final; ratio to one host in this run)",
      ...rows.map(
        (r) =>
          `${`${r.hosts} host${r.hosts > 1 ? "s" : ""} (${HOSTS.slice(0, r.hosts).join(", ")})`.padEnd(42)} ${r.medianMs.toFixed(0).padStart(6)} ms  ${r.ratio.toFixed(2)}×`,
      ),
      `goal 3 hosts ≤ ${GOAL_RATIO}× one host: ${three <= GOAL_RATIO ? "met" : "not met"}`,
      "",
    ].join("\n"),
  );
  return { fanout: { rounds, rows, goals: { ratioAtMost: GOAL_RATIO, met: three <= GOAL_RATIO } } };
}
