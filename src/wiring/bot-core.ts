import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ConfigCipher } from "../config/cipher.js";
import { ConfigStore } from "../config/config-store.js";
import { secretsFor } from "../config/secrets-for.js";
import { approversMayChangeConfig } from "../core/config-gate.js";
import { ConfigService } from "../core/config-service.js";
import { DeployService } from "../core/deploy-service.js";
import { HistoryService } from "../core/history-service.js";
import { ImagesService } from "../core/images-service.js";
import { JobsService } from "../core/jobs-service.js";
import { LogsService } from "../core/logs-service.js";
import { type Chat, ephemeral } from "../core/message.js";
import { type ActionRequest, Ops, refuseApproval } from "../core/ops.js";
import { PruneService } from "../core/prune-service.js";
import { StatusService } from "../core/status-service.js";
import type { DeployStore } from "../deploys/store.js";
import type { DockerHosts } from "../docker/connect.js";
import { projectLogs } from "../docker/project-logs.js";
import { fleetReader } from "../docker/snapshot.js";
import type { Fleet } from "../fleet/schema.js";
import type { JobQueue } from "../queue/queues.js";
import type { RegistryClient } from "../registry/client.js";
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
  /** From CONFIG_ENCRYPTION_KEY; without it config secrets can be neither stored nor read. */
  cipher?: ConfigCipher;
  /** Read-only Docker access for /status, /hosts, /logs, /images (changes go through workers). */
  hosts: DockerHosts;
  registry: RegistryClient;
  /** How long a live read waits for one host before showing it as unreachable. */
  readTimeoutMs?: number;
};

export const READ_TIMEOUT_MS = 5_000;

/**
 * Builds the services behind every command and button, adapter-free: the Slack app and the
 * shell both drive the `Ops` this returns. Each plan kind and button maps to one service call.
 */
export function createBotCore(deps: BotCoreDeps): { ops: Ops } {
  const { fleet, store, queue, chat, log } = deps;
  const timeoutMs = deps.readTimeoutMs ?? READ_TIMEOUT_MS;
  const read = fleetReader(deps.hosts);
  const configStore = new ConfigStore(deps.redis, deps.prefix);
  const configRevision = (project: string, env: string) => configStore.head(project, env);
  const change = createChangeServices({
    fleet,
    redis: deps.redis,
    prefix: deps.prefix,
    store,
    queue,
    log,
    hosts: deps.hosts,
    registry: deps.registry,
  });
  const deploys = new DeployService({
    store,
    queue,
    chat,
    log,
    configRevision,
    locks: change.locks,
    preview: change.preview,
  });
  const config = new ConfigService({ fleet, store: configStore, cipher: deps.cipher, log });
  const runConfig = config.run.bind(config);
  const status = new StatusService({ fleet, read, timeoutMs });
  const history = new HistoryService(store);
  const logs = new LogsService({
    read: (host, q) => projectLogs(host, () => deps.hosts.get(host), q),
    chat,
    secretsFor: secretsFor(fleet, configStore, deps.cipher),
    timeoutMs,
  });
  const images = new ImagesService({ registry: deps.registry, read, timeoutMs });
  const jobs = new JobsService({ queue, store, chat, log });
  const prune = new PruneService({ queue, log });
  // The button under a config change: the same as typing `/deploy <project> <env>` there.
  const redeploy = async (req: ActionRequest) => {
    const env = req.value.split(" ")[1] ?? "";
    const channel = req.message?.channel || fleet.environments[env]?.channel || "";
    const result = ops.plan({ command: "deploy", text: req.value, user: req.user, channel });
    return result.ok ? ops.execute(result.plan) : ephemeral(result.message);
  };
  const ops: Ops = new Ops(
    fleet,
    {
      deploy: (plan) => deploys.start(plan),
      config: runConfig,
      status: (plan) => status.status(plan),
      hosts: (plan) => status.hosts(plan),
      history: (plan) => history.history(plan),
      logs: (plan) => logs.logs(plan),
      images: (plan) => images.images(plan),
      jobs: (plan) => jobs.jobs(plan),
      job: (plan) => jobs.job(plan),
      cancel: (plan) => jobs.cancel(plan),
      prune: (plan) => prune.prune(plan),
      ...change.handlers(deploys),
    },
    log,
    { "config-redeploy": redeploy },
    approversMayChangeConfig(runConfig, refuseApproval),
  );
  return { ops };
}
