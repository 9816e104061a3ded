import type { Server } from "node:http";
import type { QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ConfigCipher, parseEncryptionKey } from "./config/cipher.js";
import type { Directory } from "./core/directory.js";
import type { Chat } from "./core/message.js";
import type { Ops } from "./core/ops.js";
import { DeployStore } from "./deploys/store.js";
import { type AppEnv, replicaWaitOf } from "./env.js";
import { ConfigError, errorMessage } from "./errors.js";
import type { FleetProblem } from "./fleet/load.js";
import type { Fleet } from "./fleet/schema.js";
import { type FleetChange, FleetWatcher } from "./fleet/watch.js";
import { type ExtraRoute, serverPort, startOpsServer } from "./http/ops-server.js";
import { REGISTRY_EVENTS_PATH, registryEventsHandler } from "./http/registry-events.js";
import type { SecretsFor } from "./monitor/container-watch.js";
import type { MonitorOptions } from "./monitor/monitor.js";
import { createRedis } from "./queue/connection.js";
import type { RegistryClient } from "./registry/client.js";
import type { ShellChat } from "./shell/shell-chat.js";
import { hasSlackCredentials } from "./slack/credentials.js";
import { trackResourceSamples } from "./stats/sample-metrics.js";
import { SampleStore, samplingOf } from "./stats/sample-store.js";
import { briefProblems, reportInvalidFleet } from "./wiring/invalid-fleet.js";

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
  /**
   * The file `fleet` came from and the digest of its text: the runtime follows it and applies a
   * changed valid version without a restart (see docs/fleet-file.md, "Changing the fleet").
   */
  fleetFile?: { path: string; digest: string; intervalMs?: number };
};

/** Wires the pieces for the roles this process plays; `close` stops them in reverse order. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { env, log } = opts;
  let fleet = opts.fleet;
  let digest = opts.fleetFile?.digest;
  const prefix = opts.prefix ?? env.DOCKOPS_PREFIX;
  const closers: Array<() => Promise<unknown>> = [];
  const replicaWait = replicaWaitOf(env);
  const connect = (role: "worker" | "producer" | "client"): Redis => {
    const r = createRedis(env.REDIS_URL, role, replicaWait);
    r.on("error", (err) => log.debug({ err: err.message, role }, "redis connection error"));
    return r;
  };
  const redis = (role: "worker" | "producer" | "client"): Redis => {
    const r = connect(role);
    closers.push(() => r.quit().catch(() => r.disconnect()));
    return r;
  };
  const store = new DeployStore(redis("client"), prefix);
  const general = redis("client");
  const key = env.CONFIG_ENCRYPTION_KEY ? parseEncryptionKey(env.CONFIG_ENCRYPTION_KEY) : undefined;
  const cipher = key ? new ConfigCipher(key) : undefined;
  const healthRedis = redis("producer");
  const health = async () => {
    await healthRedis.ping();
  };
  const runtime: Runtime = { close: async () => {} };
  // Workers and monitors reach hosts with an agent through relays of their own (src/agent/).
  const agentRelayDeps = { connect: () => connect("worker"), prefix, log, master: key };
  // Every part that reads the fleet is built per fleet version (a "generation"): a changed file
  // builds the next one, switches to it, and lets the previous one finish what it runs.
  const generations: Array<{ start: (next: Fleet) => Promise<() => Promise<void>> }> = [];
  const retiring = new Set<Promise<void>>();
  // Every role serves the monitor's newest samples on /metrics, read from Redis when scraped.
  generations.push({
    start: async (f) => {
      trackResourceSamples(
        new SampleStore(general, prefix, samplingOf(f)),
        Object.keys(f.hosts),
        samplingOf(f).everyMs,
      );
      return async () => {};
    },
  });

  // Each role loads its own libraries when it starts (Slack only in the bot, Docker only in the
  // worker and the monitor, the queue not in the monitor), so a process holds only what it runs.
  if (opts.roles.includes("worker")) {
    const [{ createProcessors }, { startWorker }, { fleetDocker }, { RegistryClient }, { timedProcessors }] =
      await Promise.all([
        import("../worker/processors.js"),
        import("../worker/start-worker.js"),
        import("./agent/fleet-docker.js"),
        import("./registry/client.js"),
        import("./metrics.js"),
      ]);
    const workerLog = log.child({ component: "worker" });
    const workerRedis = redis("client");
    const startWorkerFor = async (f: Fleet) => {
      const connection = connect("worker");
      // Only workers and monitors talk to Docker; a bot on its own builds no client and needs
      // no socket or certificate (it reads the hosts through worker jobs).
      const docker = await fleetDocker(f, { ...agentRelayDeps, redis: workerRedis });
      const processors = createProcessors({
        fleet: f,
        hosts: docker.hosts,
        registry: new RegistryClient(f.registry),
        store,
        redis: workerRedis,
        prefix,
        log: workerLog,
        graceMs: opts.graceMs,
        stepDelayMs: env.DOCKOPS_FAULT_STEP_DELAY_MS,
        cipher,
      });
      const worker: Worker = startWorker(connection, timedProcessors(processors), workerLog, {
        concurrency: env.WORKER_CONCURRENCY,
        prefix,
        lockMs: env.WORKER_LOCK_MS,
        hostCaps: { change: env.WORKER_HOST_JOBS, read: env.WORKER_HOST_READS },
      });
      await worker.waitUntilReady();
      workerLog.info({ concurrency: env.WORKER_CONCURRENCY, lockMs: env.WORKER_LOCK_MS }, "worker started");
      // Closing waits for the jobs this worker runs: a deploy under way ends with its own fleet.
      return async () => {
        await worker.close();
        await docker.close();
        await connection.quit().catch(() => connection.disconnect());
      };
    };
    generations.push({ start: startWorkerFor });
  }

  let servesHttp = false;
  let botChat: Chat | undefined;
  // Where a refused fleet file is reported: the bot's chat, else a monitor's.
  let reportChat: Chat | undefined;
  // Cores of earlier fleet versions: their approval sweeps stop at once, their build messages
  // keep updating until the process ends.
  const oldCores: Array<() => Promise<void>> = [];
  closers.push(async () => {
    for (const close of oldCores) await close();
  });
  const routes: ExtraRoute[] = [];
  if (opts.roles.includes("bot")) {
    const [
      { JobQueue, createQueueEvents },
      { JobWaiter },
      { trackQueueDepth },
      { RegistryClient },
      { createBotCore },
      { forwardTo },
      { DeployWatcher },
      { JobAudit },
      { RolloutStore },
    ] = await Promise.all([
      import("./queue/queues.js"),
      import("./queue/job-waiter.js"),
      import("./metrics.js"),
      import("./registry/client.js"),
      import("./wiring/bot-core.js"),
      import("./wiring/forward.js"),
      import("./core/deploy-watcher.js"),
      import("./audit/job-audit.js"),
      import("./deploys/rollout-store.js"),
    ]);
    const queue = new JobQueue(redis("producer"), prefix);
    closers.push(() => queue.close());
    trackQueueDepth(() => queue.queue.getJobCounts("waiting", "active", "delayed", "failed"));
    // One event stream for the whole bot: deploy messages, the audit trail and read answers.
    const events: QueueEvents = createQueueEvents(redis("worker"), prefix);
    closers.push(() => events.close());
    const waiter = new JobWaiter(queue.queue, events);
    let registry = new RegistryClient(fleet.registry);
    let built: ReturnType<typeof createBotCore> | undefined;
    let adapterParts: { chat: Chat; directory?: Directory } | undefined;
    const buildCore = (f: Fleet, reg: RegistryClient) => {
      if (!adapterParts) throw new Error("the bot's adapter is not started");
      return createBotCore({
        fleet: f,
        redis: general,
        prefix,
        store,
        queue,
        chat: adapterParts.chat,
        log,
        cipher,
        registry: reg,
        directory: adapterParts.directory,
        approvalSweepMs: opts.approvalSweepMs,
        waiter,
      });
    };
    // Commands and buttons reach whichever core is current: the adapter is built once.
    const ops = forwardTo<Ops>(() => {
      if (!built) throw new Error("the bot's core is not built yet");
      return built.ops;
    });
    const core = (chat: Chat, directory?: Directory) => {
      adapterParts = { chat, directory };
      built = buildCore(fleet, registry);
      return ops;
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
      const [{ startSlackBot }, { RedisDeliveries }, { registerSlackExtras }] = await Promise.all([
        import("./slack/start-slack.js"),
        import("./slack/deliveries.js"),
        import("./slack/extras.js"),
      ]);
      const slack = await startSlackBot({
        env,
        log,
        health,
        core,
        routes,
        deliveries: new RedisDeliveries(redis("client"), prefix),
        extras: (app, o, deliveries, word) =>
          registerSlackExtras(app, o, {
            fleet: () => fleet,
            registry: () => registry,
            store,
            log,
            deliveries,
            word,
          }),
      });
      closers.push(slack.close);
      chat = slack.chat;
      runtime.port = slack.port;
      // Bolt serves /healthz, /metrics and /registry/events as custom routes (HTTP and Socket Mode alike).
      servesHttp = true;
    } else {
      const { ShellChat } = await import("./shell/shell-chat.js");
      const shellChat = new ShellChat((text) => process.stdout.write(`${text}\n`));
      runtime.shell = { ops: core(shellChat), chat: shellChat };
      chat = shellChat;
    }
    botChat = chat;
    const watcher = new DeployWatcher(events, store, chat, log, (jobId) => queue.jobState(jobId));
    watcher.followRollouts({
      store,
      rollouts: new RolloutStore(general, prefix),
      enqueue: (jobs, delayMs) => queue.enqueueDeploys(jobs, delayMs),
      log,
    });
    watcher.start();
    closers.push(async () => watcher.stop());
    watcher
      .catchUp()
      .catch((err) => log.warn({ err: errorMessage(err) }, "could not catch up deploy messages"));
    if (built)
      new JobAudit(
        events,
        queue.queue,
        (eventId, event) => built?.audit.recordOnce(eventId, event),
        log,
      ).start();
    let first = built;
    generations.push({
      start: async (f) => {
        // The first version's core was built with the adapter; later ones are built here.
        let mine = first;
        first = undefined;
        if (!mine) {
          const reg = new RegistryClient(f.registry);
          mine = buildCore(f, reg);
          registry = reg;
        }
        built = mine;
        const retired = mine;
        return async () => {
          retired.retire();
          oldCores.push(retired.close);
        };
      },
    });
  }

  let monitorChat: Chat | undefined;
  if (opts.roles.includes("monitor")) {
    const [
      { Monitor },
      { fleetDocker },
      { AlertStore },
      { StopIntents },
      { StoppedMarks },
      { secretsFor },
      { ConfigStore },
    ] = await Promise.all([
      import("./monitor/monitor.js"),
      import("./agent/fleet-docker.js"),
      import("./monitor/alert-store.js"),
      import("./deploys/stop-intent.js"),
      import("./deploys/stopped.js"),
      import("./config/secrets-for.js"),
      import("./config/config-store.js"),
    ]);
    // Alerts go through the bot's own chat when it runs here (Slack or the shell); a monitor on
    // its own posts to Slack directly, with Slack's Web API client only (not Bolt).
    let alertChat: Chat | undefined = botChat;
    if (!alertChat) {
      if (!env.SLACK_BOT_TOKEN) throw new ConfigError("the monitor needs SLACK_BOT_TOKEN to post alerts");
      const [{ WebClient }, { SlackChat }, { installedWording }, { commandSetFromEnv }] = await Promise.all([
        import("@slack/web-api"),
        import("./slack/slack-chat.js"),
        import("./slack/command-mentions.js"),
        import("./slack/command-set.js"),
      ]);
      alertChat = new SlackChat(
        new WebClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
        installedWording(commandSetFromEnv(env)),
      );
    }
    const chat = alertChat;
    monitorChat = alertChat;
    const monitorRedis = redis("client");
    generations.push({
      start: async (f) => {
        const docker = await fleetDocker(f, { ...agentRelayDeps, redis: monitorRedis });
        const monitor = new Monitor({
          fleet: f,
          hosts: docker.hosts,
          deploys: store,
          alerts: new AlertStore(monitorRedis, prefix),
          intents: new StopIntents(monitorRedis, prefix),
          stopped: new StoppedMarks(monitorRedis, prefix),
          chat,
          log: log.child({ component: "monitor" }),
          secretsFor: opts.secretsFor ?? secretsFor(f, new ConfigStore(monitorRedis, prefix), cipher),
          samples: new SampleStore(monitorRedis, prefix, samplingOf(f)),
          options: opts.monitor,
        });
        monitor.start();
        return async () => {
          await monitor.stop();
          await docker.close();
        };
      },
    });
  }

  reportChat = botChat ?? monitorChat;
  let retire: Array<() => Promise<void>> = [];
  for (const g of generations) retire.push(await g.start(fleet));

  const refuse = async (file: string, changed: string, problems: FleetProblem[]) => {
    log.error(
      { file, digest: changed, problems: briefProblems(problems) },
      "the changed fleet file was refused; the previous version stays in force",
    );
    if (reportChat)
      await reportInvalidFleet({
        redis: general,
        prefix,
        chat: reportChat,
        fleet,
        file,
        digest: changed,
        problems,
        log,
      });
  };
  const apply = async (change: FleetChange) => {
    if (!change.ok) return refuse(change.file, change.digest, change.problems);
    if (change.digest === digest) {
      log.info({ digest }, "the fleet file is back to the version in force");
      return;
    }
    const { file, unsetVariables, fleet: next } = change.loaded;
    for (const name of unsetVariables)
      log.warn({ file, variable: name }, `${file} uses \${${name}}, which is not set`);
    const started: Array<() => Promise<void>> = [];
    try {
      for (const g of generations) started.push(await g.start(next));
    } catch (err) {
      // Half a switch is worse than none: what started for the new version stops again.
      for (const stop of started) await stop().catch(() => {});
      return refuse(file, change.digest, [{ path: "(start)", message: errorMessage(err) }]);
    }
    const previous = retire;
    retire = started;
    fleet = next;
    digest = change.digest;
    log.info({ digest, file }, "fleet file changed; the new version is in force");
    const draining = Promise.all(previous.map((stop) => stop().catch(() => {}))).then(() => {});
    retiring.add(draining);
    void draining.finally(() => retiring.delete(draining));
  };
  if (opts.fleetFile) {
    const fleetWatch = new FleetWatcher({
      file: opts.fleetFile.path,
      digest: opts.fleetFile.digest,
      intervalMs: opts.fleetFile.intervalMs,
      onChange: (change) =>
        apply(change).catch((err) =>
          log.error({ err: errorMessage(err) }, "could not apply the changed fleet file"),
        ),
      onError: (message) => log.warn(message),
    });
    fleetWatch.start();
    closers.push(() => fleetWatch.stop());
  }
  closers.push(async () => {
    await Promise.all(retire.map((stop) => stop().catch(() => {})));
    await Promise.all(retiring);
  });

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
