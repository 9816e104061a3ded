import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { DeployService } from "../core/deploy-service.js";
import { LifecycleService } from "../core/lifecycle-service.js";
import type { Chat } from "../core/message.js";
import { Ops } from "../core/ops.js";
import type { DeployStore } from "../deploys/store.js";
import type { Fleet } from "../fleet/schema.js";
import { AlertCommands } from "../monitor/alert-commands.js";
import { AlertStore } from "../monitor/alert-store.js";
import type { JobQueue } from "../queue/queues.js";

export type BotCoreDeps = {
  fleet: Fleet;
  /** A general-purpose Redis connection (not the queue's blocking one). */
  redis: Redis;
  prefix: string;
  store: DeployStore;
  queue: JobQueue;
  chat: Chat;
  log: Logger;
};

/**
 * Builds the services behind every command and button, adapter-free: the Slack app and the
 * shell both drive the `Ops` this returns. Each plan kind and button maps to one service call.
 */
export function createBotCore(deps: BotCoreDeps): { ops: Ops } {
  const { fleet, store, queue, chat, log } = deps;
  const deploys = new DeployService({ store, queue, chat, log });
  const lifecycle = new LifecycleService({ queue, chat, log });
  const alerts = new AlertCommands({
    alerts: new AlertStore(deps.redis, deps.prefix),
    queue,
    handle: (req) => ops.handle(req),
  });
  const ops: Ops = new Ops(
    fleet,
    {
      deploy: (plan) => deploys.start(plan),
      lifecycle: (plan) => lifecycle.start(plan),
      silence: (plan) => alerts.silence(plan),
      alerts: (plan) => alerts.list(plan),
    },
    log,
    { alert: (req) => alerts.act(req) },
  );
  return { ops };
}
