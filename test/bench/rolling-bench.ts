/**
 * Rolling deploys: the fan-out benchmark's deploys to 1, 2 and 3 hosts, with each environment
 * rolling one host per batch and no pause (`rollout: { batch: 1, pause: 0s }`), so the time is
 * what the batches themselves cost: each size's median relative to one host in the same run.
 * Run: `BENCH_ONLY=rolling npm run bench` (BENCH_ROUNDS, default 10).
 */
import { sizeLine, timeBySize } from "./host-sizes.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

/** `warmUp: false` (the smoke test) skips putting v1 in place first: the one round then creates. */
export async function rollingBench(
  rounds = ROUNDS,
  { warmUp = true } = {},
): Promise<Record<string, unknown>> {
  const rows = await timeBySize("roll", rounds, {
    warmUp,
    environment: { rollout: { batch: 1, pause: "0s" } },
  });
  process.stdout.write(
    [
      `rolling deploy benchmark, /deploy <project> <env> all, rollout batch 1, pause 0s, ${rounds} rounds alternating v1/v2`,
      "(median wall time until the channel message is final; ratio to one host in this run)",
      ...rows.map(sizeLine),
      "",
    ].join("\n"),
  );
  return { rolling: { rounds, rollout: { batch: 1, pauseMs: 0 }, rows } };
}
