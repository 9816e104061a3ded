import type Docker from "dockerode";
import type { Logger } from "pino";
import type { StopIntents } from "../deploys/stop-intent.js";
import type { DeployStore } from "../deploys/store.js";
import { LABEL, revisionsInUse } from "../docker/labels.js";
import { tailLogs } from "../docker/logs.js";
import { errorMessage } from "../errors.js";
import { formatDuration } from "../fleet/duration.js";
import { maskSecrets } from "../secrets/mask.js";
import type { Alerter } from "./alerter.js";

export type SecretsFor = (project: string, env: string, inUse?: readonly number[]) => Promise<string[]>;

/** How many times a container died within the window, this death included. */
export type DieCounter = (host: string, containerId: string, at: number, windowMs: number) => Promise<number>;

export type ContainerRef = {
  host: string;
  id: string;
  name: string;
  project: string;
  env: string;
  labels: Record<string, string>;
};

export type ContainerWatchOptions = {
  stableMs: number;
  logLines: number;
  restartLoop: { count: number; window: number };
};

export const containerKey = (host: string, id: string) => `container:${host}:${id}`;
export const unhealthyKey = (host: string, id: string) => `unhealthy:${host}:${id}`;
export const missingKey = (host: string, project: string, env: string) => `missing:${host}:${project}:${env}`;

const IN_PROGRESS = new Set(["queued", "running", "retrying"]);

/**
 * What one managed container's events mean: an unexpected exit (or a restart loop), a turn to
 * unhealthy, and the recoveries that close those alerts.
 */
export class ContainerWatch {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deploys: DeployStore,
    private readonly intents: StopIntents,
    private readonly alerter: Alerter,
    private readonly secretsFor: SecretsFor,
    private readonly log: Logger,
    private readonly opts: ContainerWatchOptions,
    private readonly countDies: DieCounter,
  ) {}

  /** A stop the bot meant (marked), or a container whose deploy is still running (it reports itself). */
  async expectedStop(ref: ContainerRef): Promise<boolean> {
    if (await this.intents.reason(ref.host, ref.id)) return true;
    const deployId = ref.labels[LABEL.deploy];
    if (!deployId) return false;
    const status = await this.deploys.getHost(deployId, ref.host).catch(() => undefined);
    return status !== undefined && IN_PROGRESS.has(status.state);
  }

  async died(docker: Docker, ref: ContainerRef, eventAt: number, exitCode?: string): Promise<void> {
    const release = this.alerter.reserve(ref.host, ref.env);
    try {
      await this.lookAtExit(docker, ref, eventAt, exitCode);
    } finally {
      release();
    }
  }

  private async lookAtExit(
    docker: Docker,
    ref: ContainerRef,
    eventAt: number,
    exitCode?: string,
  ): Promise<void> {
    const container = docker.getContainer(ref.id);
    // Everything needed is read at once: the latency budget is the slowest call, not their sum.
    const [expected, info, secrets, lines] = await Promise.all([
      this.expectedStop(ref),
      container.inspect().catch(() => undefined),
      this.secretsFor(ref.project, ref.env, revisionsInUse(ref.labels)).catch(() => [] as string[]),
      tailLogs(container, this.opts.logLines).catch(() => [] as string[]),
    ]);
    if (expected) return;
    const { count, window } = this.opts.restartLoop;
    const dies = await this.countDies(ref.host, ref.id, eventAt, window).catch(() => 1);
    const code = exitCode ?? String(info?.State.ExitCode ?? "?");
    const oom = info?.State.OOMKilled ? "OOM-killed" : "not OOM-killed";
    const output = lines.map((l) => maskSecrets(l, secrets));
    const loop = dies >= count;
    this.alerter.raise({
      key: containerKey(ref.host, ref.id),
      kind: loop ? "restart-loop" : "exited",
      host: ref.host,
      project: ref.project,
      env: ref.env,
      containerId: ref.id,
      containerName: ref.name,
      detail: loop
        ? `restart loop: \`${ref.name}\` exited ${dies} times in ${formatDuration(window)} (last exit code ${code}, ${oom})`
        : `container \`${ref.name}\` exited unexpectedly with code ${code} (${oom})`,
      output,
      eventAt,
    });
  }

  async healthChanged(docker: Docker, ref: ContainerRef, status: string, eventAt: number): Promise<void> {
    if (status === "healthy") return this.alerter.resolve(unhealthyKey(ref.host, ref.id), eventAt);
    if (status !== "unhealthy") return;
    const release = this.alerter.reserve(ref.host, ref.env);
    try {
      await this.lookAtHealth(docker, ref, eventAt);
    } finally {
      release();
    }
  }

  private async lookAtHealth(docker: Docker, ref: ContainerRef, eventAt: number): Promise<void> {
    const info = await docker
      .getContainer(ref.id)
      .inspect()
      .catch(() => undefined);
    const last = info?.State.Health?.Log?.at(-1);
    const secrets = await this.secretsFor(ref.project, ref.env, revisionsInUse(ref.labels)).catch(() => []);
    const output = last?.Output ? maskSecrets(last.Output.trim(), secrets).split("\n").slice(-10) : [];
    this.alerter.raise({
      key: unhealthyKey(ref.host, ref.id),
      kind: "unhealthy",
      host: ref.host,
      project: ref.project,
      env: ref.env,
      containerId: ref.id,
      containerName: ref.name,
      detail: `container \`${ref.name}\` is unhealthy${last ? ` (last health check exit code ${last.ExitCode})` : ""}`,
      output,
      eventAt,
    });
  }

  /** A container that (re)started recovers once it stays up for `stableMs`, not at once: loops restart too. */
  started(docker: Docker, ref: ContainerRef): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.checkStable(docker, ref).catch((err) =>
        this.log.debug({ err: errorMessage(err), host: ref.host }, "stability check failed"),
      );
    }, this.opts.stableMs);
    this.timers.add(timer);
  }

  async checkStable(docker: Docker, ref: ContainerRef, now = Date.now()): Promise<void> {
    const info = await docker.getContainer(ref.id).inspect();
    const upFor = now - Date.parse(info.State.StartedAt);
    if (!info.State.Running || upFor < this.opts.stableMs - 50) return;
    await this.alerter.resolve(containerKey(ref.host, ref.id));
    await this.alerter.resolve(missingKey(ref.host, ref.project, ref.env));
  }

  async gone(ref: Pick<ContainerRef, "host" | "id">): Promise<void> {
    await this.alerter.resolve(containerKey(ref.host, ref.id));
    await this.alerter.resolve(unhealthyKey(ref.host, ref.id));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
