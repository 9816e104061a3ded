import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { deployApproval } from "../approvals/deploy-approval.js";
import { ApprovalService } from "../approvals/service.js";
import { ApprovalStore } from "../approvals/store.js";
import { AuditLog } from "../audit/audit-log.js";
import { renderAudit } from "../audit/render-audit.js";
import { denial } from "../core/access.js";
import { DeployService } from "../core/deploy-service.js";
import { type Directory, NO_GROUPS } from "../core/directory.js";
import { type Chat, ephemeral } from "../core/message.js";
import { Ops } from "../core/ops.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { JobQueue } from "../queue/queues.js";
import { RegistryClient } from "../registry/client.js";

export type BotCoreDeps = {
  fleet: Fleet;
  /** A general-purpose Redis connection (not the queue's blocking one). */
  redis: Redis;
  prefix: string;
  store: DeployStore;
  queue: JobQueue;
  chat: Chat;
  log: Logger;
  /** Slack user-group membership, for approvers and roles that name a group (S…). */
  directory?: Directory;
  /** How often pending approval requests are checked for expiry (default 15 s). */
  approvalSweepMs?: number;
};

/**
 * Builds the services behind every command and button, adapter-free: the Slack app and the
 * shell both drive the `Ops` this returns. Each plan kind and button maps to one service call.
 */
export function createBotCore(deps: BotCoreDeps): { ops: Ops; audit: AuditLog; close: () => Promise<void> } {
  const { fleet, store, queue, chat, log } = deps;
  const directory = deps.directory ?? NO_GROUPS;
  const audit = new AuditLog(deps.redis, deps.prefix, log.child({ component: "audit" }));
  const deploys = new DeployService({ store, queue, chat, log });
  const registry = new RegistryClient(fleet.registry);
  let ops: Ops | undefined;
  const approvals = new ApprovalService({
    store: new ApprovalStore(deps.redis, deps.prefix),
    chat,
    directory,
    audit: audit.record,
    log,
    kinds: { deploy: deployApproval({ resolveDigest: (i, t) => registry.resolveDigest(i, t), store }) },
    execute: (plan, ctx) => (ops as Ops).execute(plan, ctx),
  });
  ops = new Ops(
    fleet,
    {
      deploy: (plan, ctx) => deploys.start(plan, ctx),
      audit: async (plan) => ephemeral(renderAudit(await audit.latest(plan), plan).text),
    },
    log,
    { approval: approvals.act },
    approvals.request,
    {
      audit: audit.record,
      authorize: async (plan) => {
        try {
          return await denial(fleet, directory, plan);
        } catch (err) {
          return `could not check your roles (${errorMessage(err)})`;
        }
      },
    },
  );
  const sweep = setInterval(() => {
    approvals.sweep().catch((err) => log.warn({ err: errorMessage(err) }, "approval sweep failed"));
  }, deps.approvalSweepMs ?? 15_000);
  sweep.unref();
  return {
    ops,
    audit,
    close: async () => clearInterval(sweep),
  };
}
