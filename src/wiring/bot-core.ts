import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { DeployService } from "../core/deploy-service.js";
import type { Chat } from "../core/message.js";
import { Ops } from "../core/ops.js";
import type { DeployStore } from "../deploys/store.js";
import type { Fleet } from "../fleet/schema.js";
import type { JobQueue } from "../queue/queues.js";
import { createChangeServices } from "./change-handlers.js";

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
  const change = createChangeServices({ fleet, redis: deps.redis, prefix: deps.prefix, store, queue, log });
  const deploys = new DeployService({
    store,
    queue,
    chat,
    log,
    locks: change.locks,
    preview: change.preview,
  });
  const ops = new Ops(fleet, { deploy: (plan) => deploys.start(plan), ...change.handlers(deploys) }, log, {});
  return { ops };
}
