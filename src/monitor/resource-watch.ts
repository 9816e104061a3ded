import { thresholdsFor } from "../fleet/resource-thresholds.js";
import type { Fleet } from "../fleet/schema.js";
import type { SampleStore } from "../stats/sample-store.js";
import type { Alerter } from "./alerter.js";
import { checkResources, type SeriesCheck, TREND_MS } from "./resource-check.js";

/**
 * Checks each new sample against `alerts.resources` and the projects' own thresholds. Only the
 * monitor that wrote a period checks it; were two to, the alert store would still open each
 * condition once (SET NX), as for every other alert.
 */
export class ResourceWatch {
  constructor(
    private readonly fleet: Fleet,
    private readonly store: SampleStore,
    private readonly alerter: Pick<Alerter, "raise" | "resolve">,
    private readonly everyMs: number,
  ) {}

  /** Whether any threshold is set at all: without one the monitor checks nothing. */
  static wanted(fleet: Fleet): boolean {
    return (
      fleet.alerts?.resources !== undefined ||
      Object.values(fleet.projects).some((p) => p.alerts?.resources !== undefined)
    );
  }

  async check(host: string, t: number): Promise<void> {
    const shared = this.fleet.alerts?.resources;
    const wanted = (await this.store.seriesNames(host))
      .map((name) => {
        const [project = "", env = ""] = name.split(":");
        const spec = this.fleet.projects[project];
        const thresholds = thresholdsFor(shared, spec?.alerts?.resources);
        return { project, env, spec, thresholds };
      })
      .filter((s) => s.spec && (s.thresholds.memory || s.thresholds.cpu));
    const longest = Math.max(
      TREND_MS,
      ...wanted.flatMap((s) => [s.thresholds.memory?.forMs ?? 0, s.thresholds.cpu?.forMs ?? 0]),
    );
    const from = t - longest - 2 * this.everyMs;
    const series: SeriesCheck[] = await Promise.all(
      wanted.map(async (s) => ({
        project: s.project,
        env: s.env,
        thresholds: s.thresholds,
        ...(s.spec?.cpus !== undefined ? { cpus: s.spec.cpus } : {}),
        samples: await this.store.containerSeries(host, s.project, s.env, from, t),
      })),
    );
    const disk = shared?.disk || undefined;
    const verdict = checkResources({
      host,
      t,
      everyMs: this.everyMs,
      hostSamples: await this.store.hostSeries(host, from, t),
      series,
      ...(disk ? { disk } : {}),
    });
    for (const alert of verdict.raise) this.alerter.raise(alert);
    await Promise.all(verdict.clear.map((key) => this.alerter.resolve(key)));
  }
}
