import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ConfigCipher } from "../config/cipher.js";
import { ConfigStore } from "../config/config-store.js";
import { approversMayChangeConfig } from "../core/config-gate.js";
import { ConfigService } from "../core/config-service.js";
import { DeployService } from "../core/deploy-service.js";
import { type Chat, ephemeral } from "../core/message.js";
import { type ActionRequest, Ops, refuseApproval } from "../core/ops.js";
import type { DeployStore } from "../deploys/store.js";
import type { Fleet } from "../fleet/schema.js";
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
  /** From CONFIG_ENCRYPTION_KEY; without it config secrets can be neither stored nor read. */
  cipher?: ConfigCipher;
};

/**
 * Builds the services behind every command and button, adapter-free: the Slack app and the
 * shell both drive the `Ops` this returns. Each plan kind and button maps to one service call.
 */
export function createBotCore(deps: BotCoreDeps): { ops: Ops } {
  const { fleet, store, queue, chat, log } = deps;
  const configStore = new ConfigStore(deps.redis, deps.prefix);
  const configRevision = (project: string, env: string) => configStore.head(project, env);
  const deploys = new DeployService({ store, queue, chat, log, configRevision });
  const config = new ConfigService({ fleet, store: configStore, cipher: deps.cipher, log });
  const runConfig = config.run.bind(config);
  // The button under a config change: the same as typing `/deploy <project> <env>` there.
  const redeploy = async (req: ActionRequest) => {
    const env = req.value.split(" ")[1] ?? "";
    const channel = req.message?.channel || fleet.environments[env]?.channel || "";
    const result = ops.plan({ command: "deploy", text: req.value, user: req.user, channel });
    return result.ok ? ops.execute(result.plan) : ephemeral(result.message);
  };
  const ops: Ops = new Ops(
    fleet,
    { deploy: (plan) => deploys.start(plan), config: runConfig },
    log,
    { "config-redeploy": redeploy },
    approversMayChangeConfig(runConfig, refuseApproval),
  );
  return { ops };
}
