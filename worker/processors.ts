import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { StopIntents } from "../src/deploys/stop-intent.js";
import { StoppedMarks } from "../src/deploys/stopped.js";
import type { DeployStore } from "../src/deploys/store.js";
import type { DockerHosts } from "../src/docker/connect.js";
import type { Fleet } from "../src/fleet/schema.js";
import { JOB_NAMES } from "../src/jobs/schemas.js";
import type { RegistryClient } from "../src/registry/client.js";
import { processDeploy } from "./deploy/process-deploy.js";
import { processLifecycle } from "./lifecycle/process-lifecycle.js";
import { processTailLogs } from "./logs/process-tail.js";
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
};

/** Every job kind a worker runs, by BullMQ job name. */
export function createProcessors(deps: WorkerDeps): Processors {
  const deployDeps = {
    ...deps,
    intents: new StopIntents(deps.redis, deps.prefix),
    environmentFor: async (project: string, _env: string, _revision?: number) => ({
      values: { ...(deps.fleet.projects[project]?.env ?? {}) },
      secrets: [],
    }),
  };
  return {
    [JOB_NAMES.deploy]: (job) => processDeploy(job, deployDeps),
    [JOB_NAMES.lifecycle]: (job) =>
      processLifecycle(job, { ...deployDeps, stopped: new StoppedMarks(deps.redis, deps.prefix) }),
    [JOB_NAMES.tailLogs]: (job) =>
      processTailLogs(job, {
        ...deps,
        secretsFor: async (project, env) => (await deployDeps.environmentFor(project, env)).secrets,
      }),
  };
}
