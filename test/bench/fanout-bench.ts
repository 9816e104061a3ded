/**
 * Fan-out: `/deploy <project>:<tag> <env> all` to environments of 1, 2 and 3 hosts, through the
 * real Bolt app, until the channel message is final; each size's median relative to one host in
 * the same run. Goal from issue #18, reported and not asserted: 3 hosts ≤ 1.2× one host.
 * Run: `BENCH_ONLY=fanout npm run bench` (BENCH_ROUNDS, default 10).
 */
import { sizeLine, timeBySize } from "./host-sizes.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const GOAL_RATIO = 1.2;

/** `warmUp: false` (the smoke test) skips putting v1 in place first: the one round then creates. */
export async function fanoutBench(rounds = ROUNDS, { warmUp = true } = {}): Promise<Record<string, unknown>> {
  const rows = await timeBySize("fan", rounds, { warmUp });
  const three = rows[2]?.ratio ?? Number.NaN;
  process.stdout.write(
    [
      `fan-out benchmark, /deploy <project> <env> all, ${rounds} rounds alternating v1/v2`,
      "(median wall time until the channel message is final; ratio to one host in this run)",
      ...rows.map(sizeLine),
      `goal 3 hosts ≤ ${GOAL_RATIO}× one host: ${three <= GOAL_RATIO ? "met" : "not met"}`,
      "",
    ].join("\n"),
  );
  return { fanout: { rounds, rows, goals: { ratioAtMost: GOAL_RATIO, met: three <= GOAL_RATIO } } };
}
