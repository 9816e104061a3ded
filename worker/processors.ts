import { Job, UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ConfigCipher } from "../src/config/cipher.js";
import { ConfigStore } from "../src/config/config-store.js";
import { effectiveEnvironment } from "../src/config/effective-env.js";
import { secretsFor } from "../src/config/secrets-for.js";
import { DeployLanes } from "../src/deploys/deploy-lane.js";
import { HostLocks } from "../src/deploys/host-lock.js";
import { advanceRollout } from "../src/deploys/rollout-advance.js";
import { RolloutStore } from "../src/deploys/rollout-store.js";
import { StopIntents } from "../src/deploys/stop-intent.js";
import { StoppedMarks } from "../src/deploys/stopped.js";
import type { DeployStore } from "../src/deploys/store.js";
import type { DockerHosts } from "../src/docker/connect.js";
import { errorMessage } from "../src/errors.js";
import type { Fleet } from "../src/fleet/schema.js";
import { type DeployJob, JOB_NAMES } from "../src/jobs/schemas.js";
import { MaintenanceMarks } from "../src/proxy/maintenance-marks.js";
import { BuildCancels } from "../src/queue/build-cancels.js";
import { JobQueue } from "../src/queue/queues.js";
import type { RegistryClient } from "../src/registry/client.js";
import { DEFAULT_SECRET_PATTERNS } from "../src/secrets/patterns.js";
import { agentCheck, waitForAgent } from "./agent-wait.js";
import { processBuild } from "./build/process-build.js";
import { processDeploy } from "./deploy/process-deploy.js";
import { processExec } from "./exec/process-exec.js";
import { processLifecycle } from "./lifecycle/process-lifecycle.js";
import { processTailLogs } from "./logs/process-tail.js";
import { processMaintenance } from "./proxy/process-maintenance.js";
import { processProxy } from "./proxy/process-proxy.js";
import { processPrune } from "./prune/process-prune.js";
import { processHostRead } from "./read/process-read.js";
import type { Processors } from "./start-worker.js";

export type WorkerDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  registry: RegistryClient;
  store: DeployStore;
  /** A general-purpose Redis connection (config, locks), not the worker's blocking one. */
  redis: Redis;
  prefix: string;
  log: Logger;
  graceMs?: number;
  stepDelayMs?: number;
  /** From CONFIG_ENCRYPTION_KEY; needed to run a config that holds secrets. */
  cipher?: ConfigCipher;
};

/** Every job kind a worker runs, by BullMQ job name. */
export function createProcessors(deps: WorkerDeps): Processors {
  const config = new ConfigStore(deps.redis, deps.prefix);
  // To wake parked deploys and queue a rollout's next batch.
  const jobs = new JobQueue(deps.redis, deps.prefix);
  const queue = jobs.queue;
  const locks = new HostLocks(deps.redis, deps.prefix);
  const agentDown = agentCheck(deps.fleet, deps.redis, deps.prefix);
  // Changes to a host with an agent wait while it is down; reads and log tails answer at once
  // (the asker waits seconds, and is told the agent is down).
  const whenAgentUp =
    (run: (job: Job) => Promise<unknown>) =>
    async (job: Job): Promise<unknown> => {
      const host = (job.data as { host?: unknown }).host;
      const down = typeof host === "string" ? await agentDown(host) : undefined;
      if (down) return waitForAgent(job, down, { since: job.timestamp, log: deps.log });
      return run(job);
    };
  const deployDeps = {
    ...deps,
    agentDown,
    locks,
    intents: new StopIntents(deps.redis, deps.prefix),
    lanes: new DeployLanes(deps.redis, locks, deps.prefix),
    wake: async (jobIds: string[]) => {
      for (const id of jobIds) {
        // A job that is not parked (already woken, removed) cannot be promoted; that is fine.
        await (await Job.fromId(queue, id))?.promote().catch(() => {});
      }
    },
    environmentFor: async (project: string, env: string, revision?: number) => {
      const stored = revision === 0 ? undefined : await config.revision(project, env, revision);
      if (revision !== undefined && revision > 0 && !stored) {
        throw new UnrecoverableError(`config revision r${revision} of ${project}/${env} does not exist`);
      }
      try {
        const effective = effectiveEnvironment({
          project,
          env,
          defaults: deps.fleet.projects[project]?.env ?? {},
          revision: stored,
          patterns: deps.fleet.secrets?.patterns ?? DEFAULT_SECRET_PATTERNS,
          cipher: deps.cipher,
        });
        return { ...effective, revision: stored?.rev ?? 0 };
      } catch (err) {
        // A missing or wrong key will not fix itself on a retry.
        throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
      }
    },
  };
  const rolloutDeps = {
    store: deps.store,
    rollouts: new RolloutStore(deps.redis, deps.prefix),
    enqueue: (list: DeployJob[], delayMs: number) => jobs.enqueueDeploys(list, delayMs),
    log: deps.log,
  };
  return {
    [JOB_NAMES.deploy]: async (job) => {
      try {
        return await processDeploy(job, deployDeps);
      } finally {
        // A host that ended may end its batch: the rollout moves on (or stops) from here.
        const deployId = (job.data as { deployId?: unknown }).deployId;
        if (typeof deployId === "string") {
          await advanceRollout(rolloutDeps, deployId).catch((err) =>
            deps.log.error({ deployId, err: errorMessage(err) }, "could not move the rollout on"),
          );
        }
      }
    },
    [JOB_NAMES.prune]: whenAgentUp((job) => processPrune(job, deps)),
    [JOB_NAMES.build]: (job) =>
      processBuild(job, { ...deps, cancels: new BuildCancels(deps.redis, deps.prefix) }),
    [JOB_NAMES.exec]: whenAgentUp((job) =>
      processExec(job, { ...deps, secretsFor: secretsFor(deps.fleet, config, deps.cipher) }),
    ),
    [JOB_NAMES.lifecycle]: whenAgentUp((job) =>
      processLifecycle(job, { ...deployDeps, locks, stopped: new StoppedMarks(deps.redis, deps.prefix) }),
    ),
    [JOB_NAMES.maintenance]: whenAgentUp((job) =>
      processMaintenance(job, { ...deps, locks, marks: new MaintenanceMarks(deps.redis, deps.prefix) }),
    ),
    [JOB_NAMES.proxy]: whenAgentUp((job) => processProxy(job, { ...deps, locks })),
    [JOB_NAMES.tailLogs]: (job) =>
      processTailLogs(job, {
        ...deps,
        secretsFor: secretsFor(deps.fleet, config, deps.cipher),
      }),
    [JOB_NAMES.hostRead]: (job) =>
      processHostRead(job, { ...deps, secretsFor: secretsFor(deps.fleet, config, deps.cipher) }),
  };
}
