import { Job, type JobsOptions, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { deployKey } from "../deploys/store.js";
import { type BuildJob, buildDedupId, buildJobId, buildJobSchema } from "../jobs/build-schemas.js";
import { type HostReadJob, hostReadJobId, hostReadJobSchema } from "../jobs/read-schemas.js";
import {
  type DeployJob,
  deployJobId,
  deployJobSchema,
  type ExecJob,
  execJobId,
  execJobSchema,
  JOB_NAMES,
  type LifecycleJob,
  lifecycleJobId,
  lifecycleJobSchema,
  type MaintenanceJob,
  maintenanceJobId,
  maintenanceJobSchema,
  type ProxyJob,
  type PruneJob,
  proxyJobId,
  proxyJobSchema,
  pruneJobId,
  pruneJobSchema,
  type TailLogsJob,
  tailLogsJobSchema,
} from "../jobs/schemas.js";
import { confirmReplicated, describeShortfall, markWrites, waitsForReplicas } from "./replicas.js";

export const QUEUE_NAME = "dockops-jobs";

/** How long a deploy job waits, unconfirmed, for its release; past it, it runs anyway. */
const HOLD_UNCONFIRMED_MS = 60_000;

/**
 * Deploy steps are safe to repeat (containers are named after the deploy id), but a failed health
 * check will not pass on a second try: the worker marks those unrecoverable, so `attempts` only
 * covers transient faults (a host that blinked, Redis restarting).
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
} as const;

export class JobQueue {
  readonly queue: Queue;

  constructor(
    private readonly connection: Redis,
    private readonly prefix = "dockops",
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  }

  /**
   * `delayMs`: a rollout's pause before its next batch, kept by BullMQ rather than a waiting worker.
   * With REDIS_WAIT_REPLICAS set, the jobs are added held back (delayed) and released only once
   * they and the deploy record written before them are on the replicas; otherwise they are
   * removed and this throws, so "not started" is what the person is told and what happens.
   */
  async enqueueDeploys(jobs: DeployJob[], delayMs = 0): Promise<void> {
    const parsed = jobs.map((j) => deployJobSchema.parse(j));
    const confirm = waitsForReplicas(this.connection);
    const mark = markWrites(this.connection);
    // Held back, an idle worker cannot take a job before it is known to be safe to run.
    const delay = confirm ? Math.max(delayMs, HOLD_UNCONFIRMED_MS) : delayMs;
    const added = await this.queue.addBulk(
      parsed.map((data) => ({
        name: JOB_NAMES.deploy,
        data,
        opts: { jobId: deployJobId(data.deployId, data.host), ...(delay > 0 ? { delay } : {}) },
      })),
    );
    if (!confirm) return;
    const replicated = await confirmReplicated(this.connection, mark);
    // The record went through another connection: if that one reached a master that then lost
    // it, this (surviving) server does not have it.
    if (replicated.ok && (await this.recordsExist(parsed))) {
      // A release that fails (or is lost in a failover) only makes the job start when the hold
      // ends: the deploy is safely stored, so it is accepted either way.
      await Promise.all(
        added.map((job) => (delayMs > 0 ? job.changeDelay(delayMs) : job.promote()).catch(() => {})),
      );
      return;
    }
    await Promise.all(added.map((job) => this.queue.remove(job.id ?? "").catch(() => 0)));
    // The caller words it as "the job queue (Redis) is unavailable: <why>; nothing was started".
    throw new Error(
      replicated.ok ? "the deploy record was lost in a Redis failover" : describeShortfall(replicated),
    );
  }

  private async recordsExist(jobs: DeployJob[]): Promise<boolean> {
    const ids = [...new Set(jobs.map((j) => j.deployId))];
    const found = await this.connection.exists(...ids.map((id) => deployKey(this.prefix, id)));
    return found === ids.length;
  }

  /** Returns the job id; pruning is safe to repeat, so transient faults are retried. */
  async enqueuePrune(job: PruneJob): Promise<string> {
    const data = pruneJobSchema.parse(job);
    const jobId = pruneJobId(data.requestId, data.host);
    await this.queue.add(JOB_NAMES.prune, data, { jobId });
    return jobId;
  }

  /** One attempt: a restart that seemed to fail may have happened; the user decides on another. */
  async enqueueProxy(job: ProxyJob): Promise<string> {
    const data = proxyJobSchema.parse(job);
    const jobId = proxyJobId(data.requestId, data.host);
    await this.queue.add(JOB_NAMES.proxy, data, { jobId, attempts: 1 });
    return jobId;
  }

  /** One attempt only: a command such as a migration must not run twice because a retry did. */
  async enqueueExec(job: ExecJob): Promise<string> {
    const data = execJobSchema.parse(job);
    const jobId = execJobId(data.execId);
    await this.queue.add(JOB_NAMES.exec, data, { jobId, attempts: 1 });
    return jobId;
  }

  /** One job per host; returns their ids. A restart is not retried: a second try could restart twice. */
  async enqueueLifecycle(jobs: LifecycleJob[]): Promise<string[]> {
    const parsed = jobs.map((j) => lifecycleJobSchema.parse(j));
    return this.addPerHost(JOB_NAMES.lifecycle, parsed, lifecycleJobId, { attempts: 1 });
  }

  /** One job per host. Setting a state twice sets it once, so these may be retried. */
  async enqueueMaintenance(jobs: MaintenanceJob[]): Promise<string[]> {
    const parsed = jobs.map((j) => maintenanceJobSchema.parse(j));
    return this.addPerHost(JOB_NAMES.maintenance, parsed, maintenanceJobId);
  }

  /** A read-only job: one attempt, and its result (log lines) is not kept long. */
  async enqueueTailLogs(job: TailLogsJob): Promise<string> {
    const data = tailLogsJobSchema.parse(job);
    const added = await this.queue.add(JOB_NAMES.tailLogs, data, {
      jobId: `tail-${data.requestId}-${data.host}`,
      attempts: 1,
      removeOnComplete: { age: 600 },
      removeOnFail: { age: 3600 },
    });
    return added.id ?? "";
  }

  /**
   * Reads of hosts, one job each: one attempt (the asker waits seconds, not minutes). The asker
   * removes each job once it has the answer. No `age` here: BullMQ applies a finishing job's age
   * to the whole finished set, so a short one would also delete every older deploy's record of
   * its job. A command's reads are added in one round trip, not one per host.
   */
  async enqueueHostReads(jobs: HostReadJob[]): Promise<string[]> {
    const parsed = jobs.map((j) => hostReadJobSchema.parse(j));
    return this.addPerHost(JOB_NAMES.hostRead, parsed, hostReadJobId, {
      attempts: 1,
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** One job per host, added together; their ids, in order. */
  private async addPerHost<T extends { requestId: string; host: string }>(
    name: string,
    jobs: T[],
    jobId: (requestId: string, host: string) => string,
    opts: JobsOptions = {},
  ): Promise<string[]> {
    const added = await this.queue.addBulk(
      jobs.map((data) => ({ name, data, opts: { jobId: jobId(data.requestId, data.host), ...opts } })),
    );
    return added.map((j) => j.id ?? "");
  }

  /**
   * One attempt (a failed build fails the same way again, and a half-pushed one is no fault a
   * retry fixes). Returns the id of the job that builds it: an identical build still running
   * is that build, and then `duplicate` is true.
   */
  async enqueueBuild(job: BuildJob): Promise<{ jobId: string; duplicate: boolean }> {
    const data = buildJobSchema.parse(job);
    const jobId = buildJobId(data.requestId);
    const added = await this.queue.add(JOB_NAMES.build, data, {
      jobId,
      attempts: 1,
      deduplication: { id: buildDedupId(data) },
    });
    const id = added.id ?? jobId;
    return { jobId: id, duplicate: id !== jobId };
  }

  /** A job's state and failure reason, or undefined when the queue has no such job. */
  async jobState(
    jobId: string,
  ): Promise<{ state: string; failedReason?: string; result?: unknown } | undefined> {
    const job = await Job.fromId(this.queue, jobId);
    if (!job) return undefined;
    return {
      state: await job.getState(),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
    };
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export function createQueueEvents(connection: Redis, prefix = "dockops"): QueueEvents {
  return new QueueEvents(QUEUE_NAME, { connection, prefix });
}
