import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { check, type Violation } from "./checker.js";
import { SoakClient } from "./client.js";
import { FaultInjector } from "./faults.js";
import { Journal } from "./journal.js";
import { Prng } from "./prng.js";
import { acquireSoakLock } from "./soak-lock.js";
import { sleep, Workload } from "./workload.js";
import { ensureSoakHosts, PROJECTS, startWorld, type World } from "./world.js";

export type SoakOptions = {
  seed: number;
  /** How long operations and faults go on. */
  workMs: number;
  users: number;
  /** Pause between one user's operations. */
  pauseMs: [number, number];
  /** Gap between two fault injections. */
  faultGapMs: [number, number];
  maxOutageMs: number;
  /** The quiet period: at least `minQuietMs`, until no job is left, at most `maxQuietMs`. */
  minQuietMs: number;
  maxQuietMs: number;
  log: (line: string) => void;
};

export type SoakResult = {
  seed: number;
  operations: number;
  faults: number;
  faultsByKind: Record<string, number>;
  violations: Violation[];
  report: string;
  durationMs: number;
  workMs: number;
};

/** Runs the chaos soak: real operations, random overlapping faults, then the checker. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const t0 = Date.now();
  const release = await acquireSoakLock(20 * 60_000);
  try {
    await ensureSoakHosts();
    const rng = new Prng(o.seed);
    const encryptionKey = rng.hex(32);
    const world = await startWorld({ workerLockMs: 5_000, encryptionKey });
    const journal = new Journal();
    const redis = new Redis(world.redis.url, { maxRetriesPerRequest: 3 });
    let discard = false;
    redis.on("error", () => {});
    try {
      const client = new SoakClient(world.slack, () => world.botPort);
      const workload = new Workload({
        client,
        journal,
        redis: () => redis,
        prefix: world.prefix,
        slack: world.slack,
      });
      const faults = new FaultInjector(world, client, journal, o.maxOutageMs);
      o.log(`soak: seed ${o.seed}, prefix ${world.prefix}, run dir ${world.dir}`);
      // Something to roll back, promote and scale from the first moment.
      await Promise.all(PROJECTS.map((p) => client.command("/deploy", `${p}:v1 beta`, "USETUP", "CBETA")));
      const until = Date.now() + o.workMs;
      const users = Array.from({ length: o.users }, () => rng.fork());
      const faultRng = rng.fork();
      await Promise.all([
        ...users.map((u) => workload.user(u, until, o.pauseMs)),
        faults.run(faultRng, until, o.faultGapMs),
      ]);
      o.log(`soak: work done (${workload.ops.length} operations, ${faults.injected} faults); healing`);
      await faults.drain();
      await Promise.all([world.bot, ...world.workers, world.monitor].map((p) => p.start()));
      journal.note("quiet period");
      await quiet(world.prefix, redis, o);
      const secrets = [
        ...workload.ops.flatMap((op) => op.secrets),
        encryptionKey,
        world.fleetEnv.REGISTRY_PASSWORD ?? "",
      ];
      const violations = await check(world, redis, workload.ops, journal, secrets);
      const result = {
        seed: o.seed,
        operations: workload.ops.length + workload.ops.reduce((n, op) => n + op.presses.length, 0),
        faults: faults.injected,
        faultsByKind: faults.byKind,
        violations,
        durationMs: Date.now() - t0,
        workMs: o.workMs,
        report: "",
      };
      result.report = report(result, journal, world);
      if (violations.length === 0) discard = true;
      return result;
    } finally {
      redis.disconnect();
      await world.close();
      if (discard) world.discard();
    }
  } finally {
    release();
  }
}

/** Waits until the queue is empty (and at least `minQuietMs`): recovery time after the faults. */
async function quiet(prefix: string, redis: Redis, o: SoakOptions): Promise<void> {
  const start = Date.now();
  const connection = redis.duplicate();
  connection.on("error", () => {});
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  try {
    while (Date.now() - start < o.maxQuietMs) {
      const counts = await queue
        .getJobCounts("active", "waiting", "delayed", "prioritized")
        .catch(() => undefined);
      const busy = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 1;
      if (busy === 0 && Date.now() - start >= o.minQuietMs) return;
      await sleep(1_000);
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

function report(r: Omit<SoakResult, "report">, journal: Journal, world: World): string {
  const lines = [
    `soak seed ${r.seed}: ${r.operations} operations, ${r.faults} faults injected, ${r.violations.length} violation(s) in ${Math.round(r.durationMs / 1000)} s`,
    `  faults: ${Object.entries(r.faultsByKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  ];
  for (const v of r.violations) {
    lines.push("", `VIOLATION of invariant ${v.invariant}: ${v.what}`);
    if (v.at !== undefined)
      lines.push("  history around it:", ...journal.around(v.at, 15_000).map((l) => `    ${l}`));
  }
  if (r.violations.length > 0) {
    lines.push("", "faults injected:", ...journal.faults().map((l) => `  ${l}`));
    lines.push(
      "",
      `kept for inspection: process logs and fleet file in ${world.dir}; Redis AOF in ${world.redisDir}`,
      `  (redis-server --dir ${world.redisDir} --appendonly yes --port 6499; keys start with ${world.prefix}:)`,
    );
    lines.push("", `replay: npm run soak -- --seed ${r.seed} --minutes ${r.workMs / 60_000}`);
  }
  return lines.join("\n");
}
