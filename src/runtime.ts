import type { Server } from "node:http";
import { WebClient } from "@slack/web-api";
import type { QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createProcessors } from "../worker/processors.js";
import { startWorker } from "../worker/start-worker.js";
import { JobAudit } from "./audit/job-audit.js";
import { ConfigCipher, parseEncryptionKey } from "./config/cipher.js";
import { ConfigStore } from "./config/config-store.js";
import { secretsFor } from "./config/secrets-for.js";
import { DeployWatcher } from "./core/deploy-watcher.js";
import type { Directory } from "./core/directory.js";
import type { Chat } from "./core/message.js";
import type { Ops } from "./core/ops.js";
import { StopIntents } from "./deploys/stop-intent.js";
import { StoppedMarks } from "./deploys/stopped.js";
import { DeployStore } from "./deploys/store.js";
import { DockerHosts } from "./docker/connect.js";
import type { AppEnv } from "./env.js";
import { ConfigError, errorMessage } from "./errors.js";
import type { Fleet } from "./fleet/schema.js";
import { type ExtraRoute, serverPort, startOpsServer } from "./http/ops-server.js";
import { REGISTRY_EVENTS_PATH, registryEventsHandler } from "./http/registry-events.js";
import { timedProcessors, trackQueueDepth } from "./metrics.js";
import { AlertStore } from "./monitor/alert-store.js";
import type { SecretsFor } from "./monitor/container-watch.js";
import { Monitor, type MonitorOptions } from "./monitor/monitor.js";
import { createRedis } from "./queue/connection.js";
import { JobWaiter } from "./queue/job-waiter.js";
import { createQueueEvents, JobQueue } from "./queue/queues.js";
import { RegistryClient } from "./registry/client.js";
import { ShellChat } from "./shell/shell-chat.js";
import { installedWording } from "./slack/command-mentions.js";
import { commandSetFromEnv } from "./slack/command-set.js";
import { RedisDeliveries } from "./slack/deliveries.js";
import { registerSlackExtras } from "./slack/extras.js";
import { SlackChat } from "./slack/slack-chat.js";
import { hasSlackCredentials, startSlackBot } from "./slack/start-slack.js";
import { SampleStore, samplingOf } from "./stats/sample-store.js";
import { createBotCore } from "./wiring/bot-core.js";

export type Role = "bot" | "worker" | "monitor";

/** Which adapter the bot role talks through; by default Slack when its credentials are set. */
export type Adapter = "slack" | "shell";

export type Runtime = {
  /** Port of the Slack HTTP receiver, or of the /healthz + /metrics server. */
  port?: number;
  /** Set in shell mode: the core and the terminal Chat for a `ShellSession`. */
  shell?: { ops: Ops; chat: ShellChat };
  close: () => Promise<void>;
};

export type RuntimeOptions = {
  env: AppEnv;
  fleet: Fleet;
  roles: Role[];
  log: Logger;
  adapter?: Adapter;
  /** Tests shorten the no-healthcheck grace period. */
  graceMs?: number;
  prefix?: string;
  /** Tests check pending approvals for expiry more often than the default 15 s. */
  approvalSweepMs?: number;
  /** Tests shorten the monitor's intervals. */
  monitor?: Partial<MonitorOptions>;
  /** Secret values of a project+env, masked in alert log lines (the config store wires it). */
  secretsFor?: SecretsFor;
};

/** Wires the pieces for the roles this process plays; `close` stops them in reverse order. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { env, fleet, log } = opts;
  const prefix = opts.prefix ?? env.DOCKOPS_PREFIX;
  const closers: Array<() => Promise<unknown>> = [];
  const redis = (role: "worker" | "producer" | "client"): Redis => {
    const r = createRedis(env.REDIS_URL, role);
    r.on("error", (err) => log.debug({ err: err.message, role }, "redis connection error"));
    closers.push(() => r.quit().catch(() => r.disconnect()));
    return r;
  };
  const store = new DeployStore(redis("client"), prefix);
  const registry = new RegistryClient(fleet.registry);
  // Only workers and monitors talk to Docker; a bot on its own builds no client and needs no
  // socket or certificate (it reads the hosts through worker jobs).
  let docker: DockerHosts | undefined;
  const dockerHosts = () => {
    docker ??= new DockerHosts(fleet.hosts);
    return docker;
  };
  const key = env.CONFIG_ENCRYPTION_KEY ? parseEncryptionKey(env.CONFIG_ENCRYPTION_KEY) : undefined;
  const cipher = key ? new ConfigCipher(key) : undefined;
  const healthRedis = redis("producer");
  const health = async () => {
    await healthRedis.ping();
  };
  const runtime: Runtime = { close: async () => {} };

  if (opts.roles.includes("worker")) {
    const workerLog = log.child({ component: "worker" });
    const processors = createProcessors({
      fleet,
      hosts: dockerHosts(),
      registry,
      store,
      redis: redis("client"),
      prefix,
      log: workerLog,
      graceMs: opts.graceMs,
      stepDelayMs: env.DOCKOPS_FAULT_STEP_DELAY_MS,
      cipher,
    });
    const worker: Worker = startWorker(redis("worker"), timedProcessors(processors), workerLog, {
      concurrency: env.WORKER_CONCURRENCY,
      prefix,
      lockMs: env.WORKER_LOCK_MS,
    });
    closers.push(() => worker.close());
    await worker.waitUntilReady();
    workerLog.info({ concurrency: env.WORKER_CONCURRENCY, lockMs: env.WORKER_LOCK_MS }, "worker started");
  }

  let servesHttp = false;
  let botChat: Chat | undefined;
  const routes: ExtraRoute[] = [];
  if (opts.roles.includes("bot")) {
    const queue = new JobQueue(redis("producer"), prefix);
    closers.push(() => queue.close());
    trackQueueDepth(() => queue.queue.getJobCounts("waiting", "active", "delayed", "failed"));
    // One event stream for the whole bot: deploy messages, the audit trail and read answers.
    const events: QueueEvents = createQueueEvents(redis("worker"), prefix);
    closers.push(() => events.close());
    const waiter = new JobWaiter(queue.queue, events);
    let built: ReturnType<typeof createBotCore> | undefined;
    const core = (chat: Chat, directory?: Directory) => {
      built = createBotCore({
        fleet,
        redis: redis("client"),
        prefix,
        store,
        queue,
        chat,
        log,
        cipher,
        registry,
        directory,
        approvalSweepMs: opts.approvalSweepMs,
        waiter,
      });
      closers.push(built.close);
      return built.ops;
    };
    // The route exists before the core it feeds (Bolt takes its routes when the app is made).
    routes.push({
      path: REGISTRY_EVENTS_PATH,
      method: ["POST"],
      handler: registryEventsHandler({
        token: env.DOCKOPS_REGISTRY_EVENTS_TOKEN,
        receiver: () => built?.pushes,
        log: log.child({ component: "registry-events" }),
      }),
    });
    let chat: Chat;
    const adapter = opts.adapter ?? (hasSlackCredentials(env) ? "slack" : "shell");
    if (adapter === "slack") {
      const slack = await startSlackBot({
        env,
        log,
        health,
        core,
        routes,
        deliveries: new RedisDeliveries(redis("client"), prefix),
        extras: (app, ops, deliveries, word) =>
          registerSlackExtras(app, ops, { fleet, registry, store, log, deliveries, word }),
      });
      closers.push(slack.close);
      chat = slack.chat;
      runtime.port = slack.port;
      // Bolt serves /healthz, /metrics and /registry/events as custom routes (HTTP and Socket Mode alike).
      servesHttp = true;
    } else {
      const shellChat = new ShellChat((text) => process.stdout.write(`${text}\n`));
      runtime.shell = { ops: core(shellChat), chat: shellChat };
      chat = shellChat;
    }
    botChat = chat;
    const watcher = new DeployWatcher(events, store, chat, log, (jobId) => queue.jobState(jobId));
    watcher.start();
    closers.push(async () => watcher.stop());
    watcher
      .catchUp()
      .catch((err) => log.warn({ err: errorMessage(err) }, "could not catch up deploy messages"));
    if (built) new JobAudit(events, queue.queue, built.audit.recordOnce, log).start();
  }

  if (opts.roles.includes("monitor")) {
    // Alerts go through the bot's own chat when it runs here (Slack or the shell); a monitor on
    // its own posts to Slack directly.
    let alertChat: Chat | undefined = botChat;
    if (!alertChat) {
      if (!env.SLACK_BOT_TOKEN) throw new ConfigError("the monitor needs SLACK_BOT_TOKEN to post alerts");
      alertChat = new SlackChat(
        new WebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
        installedWording(commandSetFromEnv(env)),
      );
    }
    const general = redis("client");
    const monitor = new Monitor({
      fleet,
      hosts: dockerHosts(),
      deploys: store,
      alerts: new AlertStore(general, prefix),
      intents: new StopIntents(general, prefix),
      stopped: new StoppedMarks(general, prefix),
      chat: alertChat,
      log: log.child({ component: "monitor" }),
      secretsFor: opts.secretsFor ?? secretsFor(fleet, new ConfigStore(general, prefix), cipher),
      samples: new SampleStore(general, prefix, samplingOf(fleet)),
      options: opts.monitor,
    });
    monitor.start();
    closers.push(async () => monitor.stop());
  }

  if (!servesHttp) {
    try {
      const server: Server = await startOpsServer(env.PORT, health, routes);
      closers.push(() => new Promise((resolve) => server.close(resolve)));
      runtime.port = serverPort(server);
    } catch (err) {
      // Metrics are a convenience here; a second shell on the same machine must still start.
      log.warn({ port: env.PORT, err: errorMessage(err) }, "cannot serve /healthz and /metrics");
    }
  }

  runtime.close = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  return runtime;
}
