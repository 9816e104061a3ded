import type Docker from "dockerode";
import type { Logger } from "pino";
import { dockerReason, isConnectionError } from "../../src/docker/errors.js";
import { projectFilter } from "../../src/docker/labels.js";
import { tailLogs } from "../../src/docker/logs.js";
import { stopContainer } from "../../src/docker/stop.js";
import { HostUnreachableError } from "../../src/errors.js";
import type { ProjectSpec } from "../../src/fleet/schema.js";
import type { DeployJob } from "../../src/jobs/schemas.js";
import type { HealthOutcome } from "./wait-healthy.js";

/** What happens to containers after a deploy's verdict: the failure report, retiring, pruning. */

const LOG_LINES = 15;

export async function describeFailure(
  container: Docker.Container,
  outcome: Exclude<HealthOutcome, { ok: true }>,
): Promise<string> {
  const parts = [outcome.reason];
  if (outcome.healthLog) parts.push(`last health check: ${outcome.healthLog}`);
  const lines = await tailLogs(container, LOG_LINES).catch(() => []);
  if (lines.length > 0) parts.push(`last log lines:\n${lines.join("\n")}`);
  return parts.join("\n");
}

/** How long a retire keeps trying a host that stopped answering before the job itself retries. */
const RETIRE_PATIENCE_MS = 120_000;

/**
 * Stopped, kept for a fast rollback, and never brought back by a daemon restart. A host that
 * stops answering meanwhile is asked again for a while, then the job is retried (its next
 * attempt finishes the accepted swap): found by the chaos soak, a retire cut off by a network
 * fault left the old version running beside the new one for good.
 */
export async function retire(
  container: Docker.Container,
  spec: ProjectSpec,
  log: Logger,
  host: string,
  patienceMs = RETIRE_PATIENCE_MS,
): Promise<void> {
  const deadline = Date.now() + patienceMs;
  for (let attempt = 1; ; attempt++) {
    try {
      // Policy first: a container stopped under `always` could be started again by Docker.
      await container.update({ RestartPolicy: { Name: "no" } });
      await stopContainer(container, spec.stopTimeout);
      return;
    } catch (err) {
      if (!isConnectionError(err)) {
        // Docker answered (e.g. the container is gone already): nothing a retry would change.
        log.warn({ host, err: dockerReason(err) }, "could not retire the previous container");
        return;
      }
      if (Date.now() >= deadline) {
        throw new HostUnreachableError(host, dockerReason(err), { cause: err });
      }
      log.warn({ host, err: dockerReason(err), attempt }, "host did not answer while retiring; trying again");
      await new Promise((r) => setTimeout(r, Math.min(1_000 * attempt, 5_000)));
    }
  }
}

/** Keeps the newest `keep` stopped containers of this project+env; removes the rest. */
export async function prune(
  docker: Docker,
  job: DeployJob,
  keep: number,
  current: string[],
  log: Logger,
): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: projectFilter(job.project, job.env) });
  const retired = all
    .filter((c) => !current.includes(c.Id) && c.State !== "running")
    .sort((a, b) => b.Created - a.Created);
  for (const c of retired.slice(keep)) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((err) =>
        log.warn({ host: job.host, err: dockerReason(err) }, "could not prune an old container"),
      );
  }
}
