import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { changeRequest } from "../core/change-request.js";
import { createPreview } from "../core/deploy-preview.js";
import type { DeployRequest, DeployService } from "../core/deploy-service.js";
import { ExecService } from "../core/exec-service.js";
import { LockService } from "../core/lock-service.js";
import { ephemeral, type Reply } from "../core/message.js";
import type { ExecuteContext, PlanHandlers } from "../core/ops.js";
import { EnvLocks } from "../deploys/env-lock.js";
import type { DeployStore } from "../deploys/store.js";
import type { RunningReader } from "../docker/running.js";
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
  /** The hosts' running containers, read through workers. */
  running: RunningReader;
  registry: RegistryClient;
};

type ChangeHandlers = Pick<PlanHandlers, "rollback" | "promote" | "scale" | "exec" | "lock" | "unlock">;

/**
 * The commands that change what runs (rollback, promote, scale, exec, lock). Dry runs and the
 * running image come from the hosts' container labels, read by workers (the bot has no Docker
 * access), and from the registry; every change goes through the deploy service and a worker job.
 */
export function createChangeServices(deps: ChangeDeps): {
  locks: EnvLocks;
  preview: (req: DeployRequest) => Promise<Reply>;
  handlers: (deploys: DeployService) => ChangeHandlers;
} {
  const { fleet, store, queue, log } = deps;
  const { running } = deps;
  const locks = new EnvLocks(deps.redis, deps.prefix);
  const preview = createPreview({ running, registry: deps.registry, locks });
  const execs = new ExecService({ queue, log });
  const lockService = new LockService(locks);
  const readers = { fleet, store, running };
  // An approved change takes over its approval request's message, like an approved deploy.
  const orRefuse = (deploys: DeployService, req: DeployRequest | string, ctx: ExecuteContext) =>
    typeof req === "string"
      ? Promise.resolve(ephemeral(req))
      : deploys.run({
          ...req,
          ...(ctx.approvedBy ? { approvedBy: ctx.approvedBy } : {}),
          ...(ctx.message ? { message: ctx.message } : {}),
        });
  return {
    locks,
    preview,
    handlers: (deploys) => ({
      rollback: async (plan, ctx) => orRefuse(deploys, await changeRequest(plan, readers), ctx),
      promote: async (plan, ctx) => {
        const refusal = plan.dryRun ? undefined : await deploys.lockRefusal(plan.project, plan.env);
        if (refusal) return refusal;
        return orRefuse(deploys, await changeRequest(plan, readers), ctx);
      },
      scale: async (plan, ctx) => orRefuse(deploys, await changeRequest(plan, readers), ctx),
      exec: (plan) => execs.run(plan),
      lock: (plan) => lockService.lock(plan),
      unlock: (plan) => lockService.unlock(plan),
    }),
  };
}
