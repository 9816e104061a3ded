import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { SoakClient } from "./client.js";
import type { Journal } from "./journal.js";
import type { Prng } from "./prng.js";
import { sleep } from "./workload.js";
import { FLEET_DIR, SOAK_HOSTS, type SoakHost, type World } from "./world.js";

const run = promisify(execFile);

const FAULTS = {
  "kill-worker": 14,
  "kill-bot": 8,
  "kill-monitor": 6,
  "kill-redis": 6,
  "stop-host": 6,
  "cut-network": 6,
  "stop-registry": 5,
  "slack-burst": 8,
  "clock-skew": 6,
} as const;
export type FaultKind = keyof typeof FAULTS;

/**
 * Injects faults at random moments, several at once, each healed after a random delay. A
 * resource (a process, Redis, a host, the registry) carries one fault at a time. `drain` waits
 * until every fault is healed, so the quiet period starts from a whole system.
 */
export class FaultInjector {
  private busy = new Set<string>();
  private pending = new Set<Promise<void>>();
  injected = 0;
  /** How many faults of each kind were injected. */
  readonly byKind: Partial<Record<FaultKind, number>> = {};

  constructor(
    private readonly world: World,
    private readonly client: SoakClient,
    private readonly journal: Journal,
    /** Longest outage of one fault, ms (the smoke keeps them short). */
    private readonly maxOutageMs: number,
  ) {}

  async run(rng: Prng, until: number, gapMs: [number, number]): Promise<void> {
    await sleep(rng.int(gapMs[0], gapMs[1]));
    while (Date.now() < until) {
      this.inject(rng.weighted(FAULTS), rng.fork());
      await sleep(rng.int(gapMs[0], gapMs[1]));
    }
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private inject(kind: FaultKind, rng: Prng): void {
    const outage = rng.int(1_000, this.maxOutageMs);
    const plan = this.plan(kind, rng, outage);
    if (!plan || this.busy.has(plan.resource)) return;
    this.busy.add(plan.resource);
    this.injected += 1;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    const task = (async () => {
      try {
        this.journal.fault(`${plan.label} (for ${outage} ms)`);
        await plan.start();
        await sleep(outage);
        await plan.heal();
        this.journal.fault(`healed: ${plan.label}`);
      } catch (err) {
        this.journal.note(`fault ${plan.label} went wrong: ${String(err).slice(0, 500)}`);
        await plan.heal().catch(() => {});
      } finally {
        this.busy.delete(plan.resource);
      }
    })();
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  private plan(
    kind: FaultKind,
    rng: Prng,
    outage: number,
  ): { resource: string; label: string; start: () => Promise<void>; heal: () => Promise<void> } | undefined {
    const w = this.world;
    const host = rng.pick(Object.keys(SOAK_HOSTS)) as SoakHost;
    const fleetHost = SOAK_HOSTS[host];
    switch (kind) {
      case "kill-worker": {
        const worker = rng.pick(w.workers);
        return {
          resource: worker.name,
          label: `SIGKILL ${worker.name}`,
          start: () => worker.kill(),
          heal: () => worker.start(),
        };
      }
      case "kill-bot":
        return {
          resource: "bot",
          label: "SIGKILL bot",
          start: () => w.bot.kill(),
          heal: () => w.bot.start(),
        };
      case "kill-monitor":
        return {
          resource: "monitor",
          label: "SIGKILL monitor",
          start: () => w.monitor.kill(),
          heal: () => w.monitor.start(),
        };
      case "kill-redis":
        return {
          resource: "redis",
          label: "kill -9 redis",
          start: () => w.redis.kill(),
          heal: () => w.restartRedis(),
        };
      case "stop-host":
        return {
          resource: `host-${host}`,
          label: `dockerd of ${host} stopped`,
          start: () => fleet("host.sh", "stop", fleetHost),
          heal: () => fleet("host.sh", "start", fleetHost),
        };
      case "cut-network":
        return {
          resource: `host-${host}`,
          label: `network of ${host} cut`,
          start: () => fleet("soak-hosts.sh", "net-down", fleetHost),
          heal: () => fleet("soak-hosts.sh", "net-up", fleetHost),
        };
      case "stop-registry":
        return {
          resource: "registry",
          label: "soak registry stopped",
          start: () => fleet("soak-hosts.sh", "registry-stop"),
          heal: () => fleet("soak-hosts.sh", "registry-start"),
        };
      case "slack-burst": {
        const reply = rng.pick(["rate_limited", "http_500"]);
        const count = rng.int(2, 6);
        const method = rng.pick(["chat.postMessage", "chat.update"]);
        return {
          resource: `slack-${method}`,
          label: `Slack answers ${reply} to the next ${count} ${method}`,
          start: async () => w.slack.failNext(method, count, reply),
          heal: async () => {},
        };
      }
      case "clock-skew": {
        const skew = rng.int(-240, 240);
        return {
          resource: "clock",
          label: `signed requests skewed ${skew}s (${outage} ms)`,
          start: async () => {
            this.client.skewSeconds = skew;
          },
          heal: async () => {
            this.client.skewSeconds = 0;
          },
        };
      }
    }
    void outage;
    return undefined;
  }
}

async function fleet(script: string, ...args: string[]): Promise<void> {
  await run("bash", [join(FLEET_DIR, script), ...args], { maxBuffer: 1 << 22 });
}
