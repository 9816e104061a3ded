import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { readHostStats } from "../docker/host-stats.js";
import { errorMessage } from "../errors.js";
import { samplesOf } from "./aggregate.js";
import type { SampleStore } from "./sample-store.js";

export type SamplerDeps = {
  store: SampleStore;
  hosts: readonly string[];
  /** The fleet's projects: only their containers are sampled. */
  projects: readonly string[];
  connect: (host: string) => Docker;
  everyMs: number;
  /** How long one host's read may take. */
  timeoutMs: number;
  log: Logger;
  /** Called by the one monitor that wrote `host`'s period `t` (resource thresholds are checked there). */
  onSample?: (host: string, t: number) => Promise<void>;
};

/**
 * Samples every host's managed containers once per period. Periods are aligned to the clock, so
 * every monitor names the same period the same way; the first to claim it writes the sample.
 */
export class Sampler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly owner = randomBytes(6).toString("hex");

  constructor(private readonly deps: SamplerDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    const { everyMs } = this.deps;
    this.timer = setTimeout(
      () => {
        const t = Math.floor(Date.now() / everyMs) * everyMs;
        for (const host of this.deps.hosts) void this.sample(host, t);
        this.schedule();
      },
      everyMs - (Date.now() % everyMs),
    );
  }

  /** Samples `host` for the period starting at `t` if this monitor claims it; true when it did. */
  async sample(host: string, t: number): Promise<boolean> {
    const { store, everyMs, log } = this.deps;
    try {
      // Kept a few periods, so a monitor running late cannot claim a period already written.
      if (!(await store.claim(host, t, Math.max(3 * everyMs, 60_000), this.owner))) return false;
      const stats = await readHostStats(host, () => this.deps.connect(host), {
        timeoutMs: this.deps.timeoutMs,
        projects: this.deps.projects,
      });
      if (!stats.reachable) {
        log.debug({ host, reason: stats.reason }, "no resource sample: host unreachable");
        return true;
      }
      const { host: totals, series } = samplesOf(stats, t);
      await store.write(host, t, totals, series);
      await this.deps
        .onSample?.(host, t)
        .catch((err) => log.warn({ host, err: errorMessage(err) }, "resource thresholds not checked"));
      const { bucketMs } = store.retention;
      // The first period of a bucket closes the previous one: average it, once.
      if (t % bucketMs < everyMs) {
        const closed = Math.floor(t / bucketMs) * bucketMs - bucketMs;
        if (await store.claim(`${host}:bucket`, closed, 2 * bucketMs, this.owner))
          await store.downsample(host, closed);
      }
      return true;
    } catch (err) {
      log.warn({ host, err: errorMessage(err) }, "resource sample failed");
      return false;
    }
  }
}
