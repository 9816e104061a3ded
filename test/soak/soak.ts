import { parseArgs } from "node:util";
import { runSoak } from "./run-soak.js";

/**
 * `npm run soak -- --minutes 10 --seed 1234`: the chaos soak (see docs/guarantees-and-limits.md,
 * "Chaos soak"). Exits 1 on any violation, printing the seed, the history around it and the faults.
 */
const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
    users: { type: "string", default: "4" },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const users = Number(values.users);
if (!(minutes > 0) || !Number.isInteger(seed) || !(Number.isInteger(users) && users > 0)) {
  process.stderr.write("usage: npm run soak -- [--minutes 10] [--seed 1234] [--users 4]\n");
  process.exit(2);
}
const result = await runSoak({
  seed,
  workMs: minutes * 60_000,
  users,
  pauseMs: [500, 4_000],
  faultGapMs: [2_000, 12_000],
  maxOutageMs: 15_000,
  minQuietMs: 45_000,
  maxQuietMs: 5 * 60_000,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(`${result.report}\n`);
// Exit explicitly: a reconnecting client of the (now stopped) soak Redis must not keep it alive.
process.exit(result.violations.length > 0 ? 1 : 0);
