import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DockerHosts } from "../../src/docker/connect.js";
import { errorMessage } from "../../src/errors.js";
import { isAllowed } from "../../src/fleet/exec-allow.js";
import type { Fleet } from "../../src/fleet/schema.js";
import { type ExecResult, execJobSchema } from "../../src/jobs/schemas.js";
import { maskSecrets } from "../../src/secrets/mask.js";
import { notInFleet } from "../not-in-fleet.js";
import { EXEC_LIMITS, type ExecLimits, runExec } from "./run-exec.js";

export type ExecDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  log: Logger;
  limits?: ExecLimits;
  /** The config's clear secret values: exec output (stored with the job, shown in chat) is masked. */
  secretsFor?: (project: string, env: string, inUse?: readonly number[]) => Promise<string[]>;
};

/**
 * A command runs once: a retry could run a migration twice, so every failure is final. The
 * worker checks the allow-list again from its own fleet file; the job alone grants nothing.
 */
export async function processExec(job: Job, deps: ExecDeps): Promise<ExecResult> {
  const parsed = execJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid exec job: ${parsed.error.issues[0]?.message}`);
  const data = parsed.data;
  const spec = deps.fleet.projects[data.project];
  if (!spec || !deps.fleet.hosts[data.host]) {
    throw notInFleet(data.host, data.project);
  }
  if (!isAllowed(spec.exec.allow, data.argv)) {
    throw new UnrecoverableError(`\`${data.argv.join(" ")}\` is not in ${data.project}'s exec.allow list`);
  }
  const log = deps.log.child({ execId: data.execId, host: data.host, project: data.project, env: data.env });
  log.info({ argv: data.argv, requestedBy: data.requestedBy }, "exec");
  try {
    const { configRevisions, ...raw } = await runExec(
      deps.hosts.get(data.host),
      data,
      deps.limits ?? EXEC_LIMITS,
    );
    const secrets = (await deps.secretsFor?.(data.project, data.env, configRevisions).catch(() => [])) ?? [];
    const result = { ...raw, output: maskSecrets(raw.output, secrets) };
    log.info(
      { exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs },
      "exec done",
    );
    return result;
  } catch (err) {
    log.warn({ err: errorMessage(err) }, "exec failed");
    throw new UnrecoverableError(errorMessage(err));
  }
}
