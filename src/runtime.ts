import type { Server } from "node:http";
import type { App } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createProcessors } from "../worker/processors.js";
import { startWorker } from "../worker/start-worker.js";
import { DeployWatcher } from "./core/deploy-watcher.js";
import { StopIntents } from "./deploys/stop-intent.js";
import { StoppedMarks } from "./deploys/stopped.js";
import { DeployStore } from "./deploys/store.js";
import { DockerHosts } from "./docker/connect.js";
import type { AppEnv } from "./env.js";
import { ConfigError } from "./errors.js";
import type { Fleet } from "./fleet/schema.js";
import { AlertStore } from "./monitor/alert-store.js";
import type { SecretsFor } from "./monitor/container-watch.js";
import { Monitor, type MonitorOptions } from "./monitor/monitor.js";
import { createRedis } from "./queue/connection.js";
import { createQueueEvents, JobQueue } from "./queue/queues.js";
import { RegistryClient } from "./registry/client.js";
import { createSlackApp, registerActions, registerCommands, startSlackApp } from "./slack/app.js";
import { SlackChat } from "./slack/slack-chat.js";
import { createBotCore } from "./wiring/bot-core.js";

export type Role = "bot" | "worker" | "monitor";

export type Runtime = { port?: number; close: () => Promise<void> };

export type RuntimeOptions = {
  env: AppEnv;
  fleet: Fleet;
  roles: Role[];
  log: Logger;
  /** Tests shorten the no-healthcheck grace period. */
  graceMs?: number;
  prefix?: string;
  /** Tests shorten the monitor's intervals. */
  monitor?: Partial<MonitorOptions>;
  /** Secret values of a project+env, masked in alert log lines (the config store wires it). */
  secretsFor?: SecretsFor;
};

/** Wires the pieces for the roles this process plays; `close` stops them in reverse order. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { env, fleet, log } = opts;
  const prefix = opts.prefix ?? "dockops";
  const closers: Array<() => Promise<unknown>> = [];
  const redis = (role: "worker" | "producer" | "client"): Redis => {
    const r = createRedis(env.REDIS_URL, role);
    r.on("error", (err) => log.debug({ err: err.message, role }, "redis connection error"));
    closers.push(() => r.quit().catch(() => r.disconnect()));
    return r;
  };
  const store = new DeployStore(redis("client"), prefix);
  let port: number | undefined;

  if (opts.roles.includes("worker")) {
    const hosts = new DockerHosts(fleet.hosts);
    const registry = new RegistryClient(fleet.registry);
    const workerLog = log.child({ component: "worker" });
    const processors = createProcessors({
      fleet,
      hosts,
      registry,
      store,
      redis: redis("client"),
      prefix,
      log: workerLog,
      graceMs: opts.graceMs,
    });
    const worker: Worker = startWorker(redis("worker"), processors, workerLog, {
      concurrency: env.WORKER_CONCURRENCY,
      prefix,
    });
    closers.push(() => worker.close());
  }

  if (opts.roles.includes("bot")) {
    if (!env.SLACK_BOT_TOKEN || (!env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN)) {
      throw new ConfigError(
        'the bot needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode); see README "Create the Slack app"',
      );
    }
    const producer = redis("producer");
    const queue = new JobQueue(producer, prefix);
    closers.push(() => queue.close());
    const healthRedis = redis("producer");
    const app: App = createSlackApp({
      signingSecret: env.SLACK_SIGNING_SECRET ?? "",
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL,
      port: env.PORT,
      log,
      health: async () => {
        await healthRedis.ping();
      },
    });
    const chat = new SlackChat(app.client);
    const { ops } = createBotCore({ fleet, redis: redis("client"), prefix, store, queue, chat, log });
    registerCommands(app, ops, log);
    registerActions(app, ops, log);
    const events: QueueEvents = createQueueEvents(redis("worker"), prefix);
    closers.push(() => events.close());
    new DeployWatcher(events, store, chat, log).start();
    const server: Server | undefined = await startSlackApp(app);
    const address = server?.address();
    port = address && typeof address === "object" ? address.port : undefined;
    closers.push(() => app.stop());
    log.info({ port, socketMode: Boolean(env.SLACK_APP_TOKEN) }, "bot started");
  }

  if (opts.roles.includes("monitor")) {
    if (!env.SLACK_BOT_TOKEN) throw new ConfigError("the monitor needs SLACK_BOT_TOKEN to post alerts");
    const client = new WebClient(
      env.SLACK_BOT_TOKEN,
      env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {},
    );
    const general = redis("client");
    const monitor = new Monitor({
      fleet,
      hosts: new DockerHosts(fleet.hosts),
      deploys: store,
      alerts: new AlertStore(general, prefix),
      intents: new StopIntents(general, prefix),
      stopped: new StoppedMarks(general, prefix),
      chat: new SlackChat(client),
      log: log.child({ component: "monitor" }),
      secretsFor: opts.secretsFor ?? (async () => []),
      options: opts.monitor,
    });
    monitor.start();
    closers.push(async () => monitor.stop());
  }

  return {
    port,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
    },
  };
}
