import type Docker from "dockerode";
import { formatDuration } from "../../src/fleet/duration.js";

export type HealthOptions = {
  /** How long the container may take to report healthy. */
  timeoutMs: number;
  /** How long it must then stay running and healthy, with no restart. */
  verifyMs: number;
  /** With no health check: how long it must be running before verification starts. */
  graceMs: number;
  pollMs: number;
  /** The exit code of the latest crash, which Docker forgets once it restarts the container. */
  lastExitCode?: () => Promise<number | undefined>;
};

export type HealthOutcome =
  | { ok: true }
  | { ok: false; reason: string; exitCode?: number; healthLog?: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stopped(state: Docker.ContainerInspectInfo["State"]): HealthOutcome | undefined {
  if (state.Status === "exited" || state.Status === "dead") {
    return {
      ok: false,
      reason: `the container exited with code ${state.ExitCode}${state.OOMKilled ? " (killed: out of memory)" : ""}`,
      exitCode: state.ExitCode,
    };
  }
  if (state.Restarting) {
    return {
      ok: false,
      reason: `the container exited with code ${state.ExitCode} and Docker is restarting it (crash loop)`,
      exitCode: state.ExitCode,
    };
  }
  return undefined;
}

function lastHealthOutput(state: Docker.ContainerInspectInfo["State"]): string | undefined {
  const log = state.Health?.Log ?? [];
  const last = log[log.length - 1];
  return last ? `exit ${last.ExitCode}: ${last.Output.trim().slice(0, 500)}` : undefined;
}

/**
 * Waits for Docker's health status `healthy` (or, with no health check, for the container to keep
 * running through a grace period), then watches it for a verification window: a container that
 * passes its first check and then crash-loops is a failed deploy, not a successful one.
 */
export async function waitHealthy(container: Docker.Container, opts: HealthOptions): Promise<HealthOutcome> {
  const started = Date.now();
  let first = await container.inspect();
  const hasHealthcheck = first.State.Health !== undefined;
  const restarts = first.RestartCount;
  let healthySince: number | undefined;

  while (true) {
    const state = first.State;
    const down = stopped(state);
    if (down) return { ...down, ...(hasHealthcheck ? { healthLog: lastHealthOutput(state) } : {}) };
    if (first.RestartCount !== restarts) {
      const code = await opts.lastExitCode?.().catch(() => undefined);
      const exited = code === undefined ? "the container exited" : `the container exited with code ${code}`;
      return {
        ok: false,
        reason: `${exited} and Docker restarted it ${first.RestartCount - restarts} time(s) (crash loop)`,
        exitCode: code,
      };
    }
    const health = state.Health?.Status;
    if (health === "unhealthy") {
      return { ok: false, reason: "the health check failed", healthLog: lastHealthOutput(state) };
    }
    const ready = hasHealthcheck ? health === "healthy" : Date.now() - started >= opts.graceMs;
    if (ready && healthySince === undefined) healthySince = Date.now();
    if (healthySince !== undefined && Date.now() - healthySince >= opts.verifyMs) return { ok: true };
    if (healthySince === undefined && Date.now() - started > opts.timeoutMs) {
      return {
        ok: false,
        reason: `not healthy after ${formatDuration(opts.timeoutMs)} (health: ${health ?? "none"})`,
        healthLog: lastHealthOutput(state),
      };
    }
    await sleep(opts.pollMs);
    first = await container.inspect();
  }
}
