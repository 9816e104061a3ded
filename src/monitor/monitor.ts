import type { Logger } from "pino";
import { foreignText } from "../core/foreign-text.js";
import type { Chat } from "../core/message.js";
import type { StopIntents } from "../deploys/stop-intent.js";
import type { StoppedMarks } from "../deploys/stopped.js";
import type { DeployStore } from "../deploys/store.js";
import type { DockerHosts } from "../docker/connect.js";
import { LABEL } from "../docker/labels.js";
import { errorMessage } from "../errors.js";
import { type Fleet, proxySettings, usesProxy } from "../fleet/schema.js";
import { PROXY_LABEL } from "../proxy/proxy-container.js";
import { type SampleStore, samplingOf } from "../stats/sample-store.js";
import { Sampler } from "../stats/sampler.js";
import { alertCharts } from "./alert-chart.js";
import type { AlertStore } from "./alert-store.js";
import { Alerter } from "./alerter.js";
import { type ContainerRef, ContainerWatch, type SecretsFor } from "./container-watch.js";
import { type DockerEvent, EventFollower, eventTime } from "./event-follower.js";
import { ProxyWatch } from "./proxy-watch.js";
import { reconcileHost } from "./reconcile.js";
import { ResourceWatch } from "./resource-watch.js";

export type MonitorOptions = {
  /** How often each host is pinged, and how long a ping may take. */
  pingMs: number;
  pingTimeoutMs: number;
  /** Consecutive failed pings before a host is reported unreachable. */
  pingFailures: number;
  /** How often each host's containers are compared with the deploy records (drift). */
  reconcileMs: number;
  /** New alerts on one host+environment within this window become one message. */
  batchMs: number;
  /** A restarted container counts as recovered after running this long. */
  stableMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  logLines: number;
};

export const DEFAULT_MONITOR_OPTIONS: MonitorOptions = {
  pingMs: 10_000,
  pingTimeoutMs: 5_000,
  pingFailures: 2,
  reconcileMs: 30_000,
  batchMs: 250,
  stableMs: 10_000,
  minBackoffMs: 500,
  maxBackoffMs: 30_000,
  logLines: 15,
};

export type MonitorDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  deploys: DeployStore;
  alerts: AlertStore;
  intents: StopIntents;
  stopped: StoppedMarks;
  chat: Chat;
  log: Logger;
  secretsFor: SecretsFor;
  /** Where resource samples go (`alerts.sampling`); without it the monitor takes none. */
  samples?: SampleStore;
  options?: Partial<MonitorOptions>;
};

/** Follows every host's Docker events, pings every host, and reconciles on a timer. */
export class Monitor {
  private readonly opts: MonitorOptions;
  private readonly alerter: Alerter;
  private readonly watch: ContainerWatch;
  /** Per host: the app containers' events, and the proxy's when a project is behind it. */
  private readonly followers = new Map<string, EventFollower[]>();
  private readonly proxies: ProxyWatch | undefined;
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly failures = new Map<string, number>();
  private readonly sampler: Sampler | undefined;

  constructor(private readonly deps: MonitorDeps) {
    this.opts = { ...DEFAULT_MONITOR_OPTIONS, ...deps.options };
    const { fleet, alerts, chat, log } = deps;
    const samples = deps.samples;
    this.alerter = new Alerter(fleet, alerts, chat, log, {
      batchMs: this.opts.batchMs,
      ...(samples ? { afterPost: alertCharts({ fleet, samples, deploys: deps.deploys, chat, log }) } : {}),
    });
    const restartLoop = fleet.alerts?.restartLoop ?? { count: 3, window: 5 * 60_000 };
    this.watch = new ContainerWatch(
      deps.deploys,
      deps.intents,
      this.alerter,
      deps.secretsFor,
      log,
      {
        stableMs: this.opts.stableMs,
        logLines: this.opts.logLines,
        restartLoop,
      },
      (host, id, at, windowMs) => alerts.recordDie(host, id, at, windowMs),
    );
    this.proxies = usesProxy(fleet)
      ? new ProxyWatch({
          fleet,
          name: proxySettings(fleet).name,
          deploys: deps.deploys,
          intents: deps.intents,
          alerter: this.alerter,
          log,
          stableMs: this.opts.stableMs,
        })
      : undefined;
    if (deps.samples) {
      const { everyMs } = samplingOf(fleet);
      const resources = ResourceWatch.wanted(fleet)
        ? new ResourceWatch(fleet, deps.samples, this.alerter, everyMs)
        : undefined;
      this.sampler = new Sampler({
        store: deps.samples,
        hosts: Object.keys(fleet.hosts),
        projects: Object.keys(fleet.projects),
        connect: (host) => deps.hosts.get(host),
        everyMs,
        timeoutMs: this.opts.pingTimeoutMs,
        log,
        ...(resources ? { onSample: (host: string, t: number) => resources.check(host, t) } : {}),
      });
    }
  }

  start(): void {
    for (const host of Object.keys(this.deps.fleet.hosts)) {
      // The events stream is quiet for long stretches: its client must not have an idle timeout.
      const events = this.deps.hosts.untimed(host);
      const backoff = { minBackoffMs: this.opts.minBackoffMs, maxBackoffMs: this.opts.maxBackoffMs };
      const followers = [
        new EventFollower(
          host,
          events,
          (event) => this.onEvent(host, event),
          () => this.reconcile(host),
          this.deps.log,
          backoff,
        ),
      ];
      const proxies = this.proxies;
      // The proxy is not a managed app container: its events need a stream of their own.
      if (proxies) {
        const docker = this.deps.hosts.get(host);
        followers.push(
          new EventFollower(
            host,
            events,
            (event) => proxies.onEvent(host, docker, event),
            () => this.checkProxy(host),
            this.deps.log,
            { ...backoff, label: `${PROXY_LABEL.proxy}=true` },
          ),
        );
      }
      this.followers.set(host, followers);
      for (const f of followers) f.start();
      this.intervals.push(setInterval(() => void this.ping(host), this.opts.pingMs));
      this.intervals.push(setInterval(() => void this.reconcile(host), this.opts.reconcileMs));
    }
    this.sampler?.start();
    this.deps.log.info({ hosts: Object.keys(this.deps.fleet.hosts) }, "monitor started");
  }

  stop(): void {
    for (const f of [...this.followers.values()].flat()) f.stop();
    for (const i of this.intervals) clearInterval(i);
    this.sampler?.stop();
    this.alerter.stop();
    this.watch.stop();
    this.proxies?.stop();
  }

  private refFor(host: string, event: DockerEvent): ContainerRef | undefined {
    const labels = event.Actor.Attributes ?? {};
    const project = labels[LABEL.project] ?? "";
    const env = labels[LABEL.env] ?? "";
    if (!(project in this.deps.fleet.projects) || !(env in this.deps.fleet.environments)) return undefined;
    return {
      host,
      id: event.Actor.ID,
      name: labels.name ?? event.Actor.ID.slice(0, 12),
      project,
      env,
      labels,
    };
  }

  private onEvent(host: string, event: DockerEvent): void {
    if (event.Type !== "container") return;
    const ref = this.refFor(host, event);
    if (!ref) return;
    const at = eventTime(event);
    const docker = this.deps.hosts.get(host);
    const done = (p: Promise<void>) =>
      void p.catch((err) =>
        this.deps.log.warn({ host, err: errorMessage(err), action: event.Action }, "event not handled"),
      );
    if (event.Action === "die") done(this.watch.died(docker, ref, at, ref.labels.exitCode));
    else if (event.Action === "start") this.watch.started(docker, ref);
    else if (event.Action === "destroy") done(this.watch.gone(ref));
    else if (event.Action.startsWith("health_status")) {
      const status = event.Action.split(":")[1]?.trim() ?? "";
      done(this.watch.healthChanged(docker, ref, status, at));
    }
  }

  private async reconcile(host: string): Promise<void> {
    if ((this.failures.get(host) ?? 0) >= this.opts.pingFailures) return;
    const { fleet, deploys, stopped } = this.deps;
    await reconcileHost(host, this.deps.hosts.get(host), {
      fleet,
      deploys,
      stopped,
      alerter: this.alerter,
      watch: this.watch,
    }).catch((err) => this.deps.log.debug({ host, err: errorMessage(err) }, "reconcile failed"));
    await this.checkProxy(host);
  }

  private async checkProxy(host: string): Promise<void> {
    if ((this.failures.get(host) ?? 0) >= this.opts.pingFailures) return;
    await this.proxies
      ?.check(host, this.deps.hosts.get(host))
      .catch((err) => this.deps.log.debug({ host, err: errorMessage(err) }, "proxy check failed"));
  }

  private async ping(host: string): Promise<void> {
    const started = Date.now();
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.deps.hosts.get(host).ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer in ${this.opts.pingTimeoutMs}ms`)),
            this.opts.pingTimeoutMs,
          );
        }),
      ]);
    } catch (err) {
      error = (err as { code?: string }).code ?? errorMessage(err);
    } finally {
      clearTimeout(timer);
    }
    const key = `host:${host}`;
    if (error === undefined) {
      if ((this.failures.get(host) ?? 0) >= this.opts.pingFailures)
        for (const f of this.followers.get(host) ?? []) f.reconnect();
      this.failures.set(host, 0);
      await this.alerter.resolve(key).catch(() => {});
      return;
    }
    const count = (this.failures.get(host) ?? 0) + 1;
    this.failures.set(host, count);
    if (count === this.opts.pingFailures) {
      for (const f of this.followers.get(host) ?? []) f.reconnect();
      this.alerter.raise({
        key,
        kind: "host-down",
        host,
        detail: `Docker host is unreachable (${foreignText(error)}); containers on it are not monitored until it answers`,
        eventAt: started - (count - 1) * this.opts.pingMs,
      });
    }
  }
}
