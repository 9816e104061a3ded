import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { approvalFor } from "../../commands/approval.js";
import { agentStates } from "../agent/liveness.js";
import { changeApproval } from "../approvals/change-approval.js";
import { configApproval } from "../approvals/config-approval.js";
import { deployApproval } from "../approvals/deploy-approval.js";
import { ApprovalService } from "../approvals/service.js";
import { ApprovalStore } from "../approvals/store.js";
import { AuditLog } from "../audit/audit-log.js";
import { renderAudit } from "../audit/render-audit.js";
import type { ConfigCipher } from "../config/cipher.js";
import { ConfigStore } from "../config/config-store.js";
import { secretsFor } from "../config/secrets-for.js";
import { Access } from "../core/access.js";
import { BuildService } from "../core/build-service.js";
import { ConfigService } from "../core/config-service.js";
import { DeployService } from "../core/deploy-service.js";
import { type Directory, NO_GROUPS } from "../core/directory.js";
import { HistoryService } from "../core/history-service.js";
import { ImagesService } from "../core/images-service.js";
import { JobsService } from "../core/jobs-service.js";
import { LifecycleService } from "../core/lifecycle-service.js";
import { LogsService } from "../core/logs-service.js";
import { MaintenanceService } from "../core/maintenance-service.js";
import { type Chat, ephemeral } from "../core/message.js";
import { type ActionRequest, Ops } from "../core/ops.js";
import { ProxyService } from "../core/proxy-service.js";
import { PruneService } from "../core/prune-service.js";
import { BUILD_DEPLOY_ACTION } from "../core/render-build.js";
import { StatusService } from "../core/status-service.js";
import { RolloutStore } from "../deploys/rollout-store.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { PushReceiver } from "../http/registry-events.js";
import type { DeployJob } from "../jobs/schemas.js";
import { AlertCommands } from "../monitor/alert-commands.js";
import { AlertStore } from "../monitor/alert-store.js";
import { MaintenanceMarks } from "../proxy/maintenance-marks.js";
import { PushClaims } from "../pushes/push-claims.js";
import { PushService } from "../pushes/push-service.js";
import { PUSH_CHANGES_ACTION, PUSH_DEPLOY_ACTION } from "../pushes/render-push.js";
import { BuildCancels } from "../queue/build-cancels.js";
import {
  HostReads,
  workerCommitResolver,
  workerFleetReader,
  workerLogsReader,
  workerRunningReader,
  workerStatsReader,
} from "../queue/host-reads.js";
import type { JobWaiter } from "../queue/job-waiter.js";
import type { JobQueue } from "../queue/queues.js";
import { sharedFleetReader } from "../queue/shared-reads.js";
import type { RegistryClient } from "../registry/client.js";
import { ReportService } from "../report/report-service.js";
import { WeeklyReport } from "../report/weekly-report.js";
import { SampleStore, samplingOf } from "../stats/sample-store.js";
import { StatsService } from "../stats/stats-service.js";
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
  registry: RegistryClient;
  /** How long a live read waits for one host before showing it as unreachable. */
  readTimeoutMs?: number;
  /** Beyond `readTimeoutMs`, how long a read waits for a worker to answer (default 5 s). */
  workerGraceMs?: number;
  /** Waits for read jobs from the queue's events; without it reads poll (tests of the core alone). */
  waiter?: JobWaiter;
  /** Slack user-group membership, for approvers and roles that name a group (S…). */
  directory?: Directory;
  /** How often pending approval requests are checked for expiry (default 15 s). */
  approvalSweepMs?: number;
};

export const READ_TIMEOUT_MS = 5_000;

/**
 * Builds the services behind every command and button, adapter-free: the Slack app and the
 * shell both drive the `Ops` this returns. Each plan kind and button maps to one service call.
 */
export function createBotCore(deps: BotCoreDeps): {
  ops: Ops;
  audit: AuditLog;
  /** A newer core took over (the fleet file changed): timers stop, work under way goes on. */
  retire: () => void;
  /** Registry push notifications (POST /registry/events) go here. */
  pushes: PushReceiver;
  close: () => Promise<void>;
} {
  const { fleet, store, queue, chat, log } = deps;
  const directory = deps.directory ?? NO_GROUPS;
  const access = new Access(fleet, directory);
  const audit = new AuditLog(
    deps.redis,
    deps.prefix,
    log.child({ component: "audit" }),
    fleet.audit.retention,
  );
  const timeoutMs = deps.readTimeoutMs ?? READ_TIMEOUT_MS;
  // Every host read is a worker job: the bot holds no Docker credential (no socket, no certs).
  const reads = new HostReads(queue, {
    graceMs: deps.workerGraceMs,
    ...(deps.waiter ? { waiter: deps.waiter } : {}),
  });
  // Commands arriving together share the reads under way (see shared-reads.ts).
  const read = sharedFleetReader(workerFleetReader(reads));
  const running = workerRunningReader(reads, timeoutMs);
  const configStore = new ConfigStore(deps.redis, deps.prefix);
  const configRevision = (project: string, env: string) => configStore.head(project, env);
  const change = createChangeServices({
    fleet,
    redis: deps.redis,
    prefix: deps.prefix,
    store,
    queue,
    log,
    running,
    registry: deps.registry,
  });
  const resolveCommit = workerCommitResolver(reads);
  const rollouts = new RolloutStore(deps.redis, deps.prefix);
  const rolloutDeps = {
    store,
    rollouts,
    enqueue: (jobs: DeployJob[], delayMs: number) => queue.enqueueDeploys(jobs, delayMs),
    log,
  };
  const deploys = new DeployService({
    store,
    queue,
    chat,
    log,
    configRevision,
    locks: change.locks,
    preview: change.preview,
    resolveCommit,
    rollout: (env) => fleet.environments[env]?.rollout,
    rollouts,
  });
  const config = new ConfigService({ fleet, store: configStore, cipher: deps.cipher, log });
  const marks = new MaintenanceMarks(deps.redis, deps.prefix);
  const status = new StatusService({
    fleet,
    read,
    timeoutMs,
    maintenance: () => marks.list(),
    agents: (hosts) => agentStates(deps.redis, deps.prefix, hosts),
  });
  const stats = new StatsService({
    fleet,
    read: workerStatsReader(reads),
    timeoutMs,
    samples: new SampleStore(deps.redis, deps.prefix, samplingOf(fleet)),
    deploys: store,
    chat,
  });
  const history = new HistoryService(store);
  const logs = new LogsService({
    read: workerLogsReader(reads),
    chat,
    secretsFor: secretsFor(fleet, configStore, deps.cipher),
    timeoutMs,
  });
  const images = new ImagesService({ registry: deps.registry, read, timeoutMs });
  const buildCancels = new BuildCancels(deps.redis, deps.prefix);
  const jobs = new JobsService({
    queue,
    store,
    chat,
    log,
    cancelBuild: (jobId, by) => buildCancels.request(jobId, by),
    rollouts: rolloutDeps,
    mayCancel: async (plan, job) => {
      const envs = job.env ? [job.env] : job.host ? access.envsOnHost(job.host) : [];
      const why = await access.ownerOrApprover(plan, envs, job.requestedBy);
      if (why) {
        const where = job.env ? { env: job.env } : {};
        audit.record({
          type: "denied",
          action: "cancel",
          user: plan.requestedBy,
          channel: plan.channel,
          ...where,
          detail: why,
        });
      }
      return why;
    },
  });
  const prune = new PruneService({ queue, log });
  const builds = new BuildService({ queue, chat, log });
  const lifecycle = new LifecycleService({ queue, chat, log });
  const maintenance = new MaintenanceService({ queue, chat, log });
  const proxies = new ProxyService({ queue, log });
  const alertStore = new AlertStore(deps.redis, deps.prefix);
  const report = new ReportService(() => fleet, store, alertStore);
  const alerts = new AlertCommands({
    alerts: alertStore,
    queue,
    handle: (req) => ops.handle(req),
    admit: (req) => ops.admitRequest(req),
  });
  // The button under a config change (`<project> <env>`), a build or a push (`<project>:<tag> <env>`):
  // the same as typing `/deploy` with that text there.
  const redeploy = async (req: ActionRequest) => {
    const env = req.value.split(" ")[1] ?? "";
    const channel = req.message?.channel || fleet.environments[env]?.channel || "";
    const result = ops.plan({ command: "deploy", text: req.value, user: req.user, channel });
    return result.ok ? ops.execute(result.plan) : ephemeral(result.message);
  };
  const pushes = new PushService({
    fleet,
    claims: new PushClaims(deps.redis, deps.prefix),
    registry: deps.registry,
    chat,
    log: log.child({ component: "registry-events" }),
    deploy: (req) => deploys.run(req),
    store,
    admit: (req) => ops.admitRequest(req),
  });
  const changeReaders = { fleet, store, running, configRevision };
  const approvals = new ApprovalService({
    store: new ApprovalStore(deps.redis, deps.prefix),
    chat,
    directory,
    audit: audit.record,
    log,
    kinds: {
      deploy: deployApproval({
        resolveDigest: (image, tag) => deps.registry.resolveDigest(image, tag),
        store,
        configRevision,
        resolveCommit,
      }),
      config: configApproval({ store: configStore, cipher: deps.cipher }),
      rollback: changeApproval(changeReaders),
      promote: changeApproval(changeReaders),
      scale: changeApproval(changeReaders),
    },
    rule: (env) => approvalFor(fleet, env),
    recheck: async (plan) => {
      const verdict = await access.check(plan);
      return verdict.ok ? undefined : verdict.reason;
    },
    execute: (plan, ctx) => ops.execute(plan, ctx),
  });
  const ops: Ops = new Ops(
    fleet,
    {
      deploy: (plan, ctx) => deploys.start(plan, ctx),
      audit: async (plan) => ephemeral(renderAudit(await audit.latest(plan), plan).text),
      config: (plan) => config.run(plan),
      status: (plan) => status.status(plan),
      hosts: (plan) => status.hosts(plan),
      stats: (plan) => stats.stats(plan),
      history: (plan) => history.history(plan),
      report: (plan) => report.report(plan),
      logs: (plan) => logs.logs(plan),
      images: (plan) => images.images(plan),
      jobs: (plan) => jobs.jobs(plan),
      job: (plan) => jobs.job(plan),
      cancel: (plan) => jobs.cancel(plan),
      prune: (plan) => prune.prune(plan),
      build: (plan) => builds.build(plan),
      ...change.handlers(deploys),
      lifecycle: (plan) => lifecycle.start(plan),
      maintenance: (plan) => maintenance.run(plan),
      proxy: (plan) => proxies.run(plan),
      silence: (plan) => alerts.silence(plan),
      alerts: (plan) => alerts.list(plan),
    },
    log,
    {
      "config-redeploy": redeploy,
      [BUILD_DEPLOY_ACTION]: redeploy,
      [PUSH_DEPLOY_ACTION]: redeploy,
      [PUSH_CHANGES_ACTION]: (req) => pushes.changes(req),
      approval: approvals.act,
      alert: (req) => alerts.act(req),
    },
    approvals.request,
    {
      audit: audit.record,
      readable: (view, user, channel) => access.readable(view, user, channel),
      check: async (plan) => {
        try {
          return await access.check(plan);
        } catch (err) {
          return {
            ok: false,
            reason: `could not check your roles (${errorMessage(err)}). Nothing was done.`,
          };
        }
      },
    },
  );
  const sweep = setInterval(() => {
    approvals.sweep().catch((err) => log.warn({ err: errorMessage(err) }, "approval sweep failed"));
  }, deps.approvalSweepMs ?? 15_000);
  sweep.unref();
  const weekly = fleet.report
    ? new WeeklyReport(
        deps.redis,
        deps.prefix,
        fleet.report,
        report,
        chat,
        log.child({ component: "report" }),
      )
    : undefined;
  weekly?.start();
  return {
    ops,
    audit,
    retire: () => {
      clearInterval(sweep);
      weekly?.stop();
    },
    pushes: (events) => pushes.receive(events),
    close: async () => {
      clearInterval(sweep);
      weekly?.stop();
      builds.close();
    },
  };
}
