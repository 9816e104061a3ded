import type Docker from "dockerode";
import type { Logger } from "pino";
import type { StopIntents } from "../deploys/stop-intent.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { Alerter } from "./alerter.js";
import { type DockerEvent, eventTime } from "./event-follower.js";
import { expectedOn } from "./expected.js";

export const proxyKey = (host: string) => `proxy:${host}`;

const SETTING_UP_MS = 60_000;

const NO_TRAFFIC = "the projects behind it here get no traffic";
// The die event's wording, and the inspected state's: whichever a monitor sees first is posted.
const exitedDetail = (name: string, code: number | string) =>
  `proxy container \`${name}\` exited unexpectedly with code ${code}: ${NO_TRAFFIC}`;

/** Why a proxy container serves nothing, or undefined when it runs. */
export function proxyTrouble(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
): { detail: string; at?: number } | undefined {
  const what = `proxy container \`${name}\``;
  if (!info) return { detail: `${what} is missing: ${NO_TRAFFIC}` };
  const { State: s } = info;
  const at = Date.parse(s.FinishedAt) || undefined;
  // Docker reports a container waiting for its next restart as running, too.
  if (s.Restarting) return { detail: `${what} keeps restarting (last exit code ${s.ExitCode})`, at };
  if (s.Status === "exited") return { detail: exitedDetail(name, s.ExitCode), at };
  if (!s.Running) return { detail: `${what} is ${s.Status} (exit code ${s.ExitCode}): ${NO_TRAFFIC}`, at };
  if (s.Paused) return { detail: `${what} is paused: ${NO_TRAFFIC}` };
  if (s.Health?.Status === "unhealthy") {
    const last = s.Health.Log?.at(-1);
    return { detail: `${what} is unhealthy${last ? ` (last health check exit code ${last.ExitCode})` : ""}` };
  }
  return undefined;
}

const notFound = (err: unknown) => {
  if ((err as { statusCode?: number }).statusCode === 404) return undefined;
  throw err;
};

export type ProxyWatchDeps = {
  fleet: Fleet;
  /** The fleet's proxy container name (`proxy.name`). */
  name: string;
  deploys: DeployStore;
  intents: StopIntents;
  alerter: Alerter;
  log: Logger;
  /** A proxy that runs again counts as recovered after running this long (restart loops start too). */
  stableMs: number;
};

/**
 * The proxy container of each host: one alert per host while it is stopped, missing, restarting or
 * unhealthy, resolved once it has run for `stableMs`. A worker changing the proxy holds the host's
 * proxy lock, so anything seen while it is held is meant and is looked at again later.
 */
export class ProxyWatch {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: ProxyWatchDeps) {}

  /** Events of containers labelled as a proxy; other proxies (another fleet's name) are not ours. */
  onEvent(host: string, docker: Docker, event: DockerEvent): void {
    if (event.Type !== "container" || event.Actor.Attributes?.name !== this.deps.name) return;
    const done = (p: Promise<void>) =>
      void p.catch((err) =>
        this.deps.log.warn({ host, err: errorMessage(err), action: event.Action }, "proxy event not handled"),
      );
    if (event.Action === "die") done(this.died(host, eventTime(event), event.Actor.Attributes.exitCode));
    else if (event.Action === "start") this.later(host, docker, this.deps.stableMs);
    else if (event.Action === "destroy" || event.Action.startsWith("health_status"))
      done(this.check(host, docker));
  }

  private async died(host: string, at: number, exitCode = "?"): Promise<void> {
    if (await this.busy(host)) return;
    this.raise(host, exitedDetail(this.deps.name, exitCode), at);
  }

  /** Compares the host's proxy with what should be there (on reconcile and on proxy events). */
  async check(host: string, docker: Docker, now = Date.now()): Promise<void> {
    // Asked before and after the look: a restart that began or ended in between is not a crash.
    if (await this.busy(host)) return;
    const info = await docker.getContainer(this.deps.name).inspect().catch(notFound);
    if (await this.busy(host)) return;
    // A new proxy is created, given its config, then started; a deploy does that without the
    // proxy lock, so "created" is trouble only once it has stayed so for a while.
    if (info?.State.Status === "created" && now - Date.parse(info.Created) < SETTING_UP_MS) return;
    const trouble = proxyTrouble(this.deps.name, info);
    if (!trouble) {
      const upFor = now - Date.parse(info?.State.StartedAt ?? "");
      if (upFor >= this.deps.stableMs - 50) await this.deps.alerter.resolve(proxyKey(host));
      return;
    }
    // A proxy that exists must run (the bot gives it restart policy "always"); one that does not
    // exist is only missed where the deploy records put a project behind it.
    if (!info && !(await this.wanted(host, now))) return this.deps.alerter.resolve(proxyKey(host));
    this.raise(host, trouble.detail, trouble.at ?? now);
  }

  /**
   * The deploy records, not the container list, say a host needs a proxy: its container is gone
   * exactly when it is missing. Read only then, so the usual check costs one inspect.
   */
  private async wanted(host: string, now: number): Promise<boolean> {
    const { fleet, deploys } = this.deps;
    for (const [envName, env] of Object.entries(fleet.environments)) {
      if (!env.hosts.includes(host)) continue;
      for (const [project, spec] of Object.entries(fleet.projects)) {
        if (!spec.proxy) continue;
        if ((await expectedOn(deploys, project, envName, host, now)).containerName) return true;
      }
    }
    return false;
  }

  private async busy(host: string): Promise<boolean> {
    return this.deps.intents.proxyBusy(host, this.deps.name);
  }

  private raise(host: string, detail: string, eventAt: number): void {
    this.deps.alerter.raise({
      key: proxyKey(host),
      kind: "proxy",
      host,
      containerName: this.deps.name,
      detail,
      eventAt,
    });
  }

  private later(host: string, docker: Docker, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.check(host, docker).catch((err) =>
        this.deps.log.debug({ host, err: errorMessage(err) }, "proxy check failed"),
      );
    }, ms);
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
