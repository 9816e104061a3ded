import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createPreview } from "../core/deploy-preview.js";
import type { DeployRequest, DeployService } from "../core/deploy-service.js";
import { ExecService } from "../core/exec-service.js";
import { LockService } from "../core/lock-service.js";
import { ephemeral, type Reply } from "../core/message.js";
import type { PlanHandlers } from "../core/ops.js";
import { promoteRequest } from "../core/promote-service.js";
import { rollbackRequest } from "../core/rollback-service.js";
import { scaleRequest } from "../core/scale-service.js";
import { EnvLocks } from "../deploys/env-lock.js";
import type { DeployStore } from "../deploys/store.js";
import type { DockerHosts } from "../docker/connect.js";
import { readRunning } from "../docker/running.js";
import type { Fleet } from "../fleet/schema.js";
import type { JobQueue } from "../queue/queues.js";
import type { RegistryClient } from "../registry/client.js";

export type ChangeDeps = {
  fleet: Fleet;
  redis: Redis;
  prefix: string;
  store: DeployStore;
  queue: JobQueue;
  log: Logger;
  hosts: DockerHosts;
  registry: RegistryClient;
};

type ChangeHandlers = Pick<PlanHandlers, "rollback" | "promote" | "scale" | "exec" | "lock" | "unlock">;

/**
 * The commands that change what runs (rollback, promote, scale, exec, lock). The bot reads the
 * hosts' container labels and the registry itself, for dry runs and to find the running image;
 * every change still goes through the deploy service and a worker job.
 */
export function createChangeServices(deps: ChangeDeps): {
  locks: EnvLocks;
  preview: (req: DeployRequest) => Promise<Reply>;
  handlers: (deploys: DeployService) => ChangeHandlers;
} {
  const { fleet, store, queue, log } = deps;
  const { hosts } = deps;
  const locks = new EnvLocks(deps.redis, deps.prefix);
  const preview = createPreview({ hosts, registry: deps.registry, locks });
  const execs = new ExecService({ queue, log });
  const lockService = new LockService(locks);
  const orRefuse = (deploys: DeployService, req: DeployRequest | string) =>
    typeof req === "string" ? Promise.resolve(ephemeral(req)) : deploys.run(req);
  return {
    locks,
    preview,
    handlers: (deploys) => ({
      rollback: async (plan) => orRefuse(deploys, await rollbackRequest(plan, store)),
      promote: async (plan) => {
        const refusal = plan.dryRun ? undefined : await deploys.lockRefusal(plan.project, plan.env);
        if (refusal) return refusal;
        const running = await readRunning(hosts, plan.fromHosts, plan.project, plan.fromEnv);
        return orRefuse(deploys, promoteRequest(plan, running));
      },
      scale: async (plan) => {
        const envHosts = fleet.environments[plan.env]?.hosts ?? [];
        const running = await readRunning(hosts, envHosts, plan.project, plan.env);
        return orRefuse(deploys, scaleRequest(plan, envHosts, running));
      },
      exec: (plan) => execs.run(plan),
      lock: (plan) => lockService.lock(plan),
      unlock: (plan) => lockService.unlock(plan),
    }),
  };
}
