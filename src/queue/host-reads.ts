import { Job } from "bullmq";
import { newDeployId } from "../deploys/id.js";
import type { StatsReader } from "../docker/host-stats.js";
import type { HostLogs, LogsQuery } from "../docker/project-logs.js";
import type { RunningReader } from "../docker/running.js";
import type { FleetReader } from "../docker/snapshot.js";
import { type HostQuery, type HostReadResult, hostReadResultSchemas } from "../jobs/read-schemas.js";
import type { JobWaiter } from "./job-waiter.js";
import type { JobQueue } from "./queues.js";
import { waitForJob } from "./wait-job.js";

/** Beyond the host's own timeout, how long a worker may take to pick the job up and answer. */
export const WORKER_GRACE_MS = 5_000;

/** What the asker shows for a host when no worker took its read in time. */
export function noWorkerAnswered(waitMs: number): string {
  return `no worker answered within ${Math.round(waitMs / 1000)}s — is a worker running?`;
}

/**
 * The same when a worker did take the read: it waited its turn behind earlier reads of the host
 * (src/queue/host-gate.ts), or the host has not answered it yet.
 */
export function hostStillBusy(waitMs: number): string {
  return `no answer within ${Math.round(waitMs / 1000)}s: the host is still busy with this or earlier reads — is it hung?`;
}

export type ReadAnswer<T> = { answered: true; result: T } | { answered: false; reason: string };

type QueryOf<K extends HostQuery["kind"]> = Extract<HostQuery, { kind: K }>;

/**
 * The bot's side of host reads: one job per host, then the worker's answer, parsed with the same
 * contract the worker was held to. A host a worker cannot reach, and a read no worker answered,
 * are values, so one host never fails a reply about the others. The jobs go wherever
 * `JobQueue.enqueueHostReads` routes them: with per-host queues or host agents, only that changes.
 */
export class HostReads {
  constructor(
    private readonly queue: JobQueue,
    private readonly opts: { graceMs?: number; pollMs?: number; waiter?: JobWaiter } = {},
  ) {}

  async read<K extends HostQuery["kind"]>(
    host: string,
    query: QueryOf<K>,
    timeoutMs: number,
    requestedBy?: string,
  ): Promise<ReadAnswer<HostReadResult<K>>> {
    const [answer] = await this.readAll([host], query, timeoutMs, requestedBy);
    return answer as ReadAnswer<HostReadResult<K>>;
  }

  /** The same query on every host, queued together; the answers in the order of `hosts`. */
  async readAll<K extends HostQuery["kind"]>(
    hosts: readonly string[],
    query: QueryOf<K>,
    timeoutMs: number,
    requestedBy?: string,
  ): Promise<ReadAnswer<HostReadResult<K>>[]> {
    const requestId = newDeployId();
    const jobIds = await this.queue.enqueueHostReads(
      hosts.map((host) => ({ requestId, host, query, timeoutMs, ...(requestedBy ? { requestedBy } : {}) })),
    );
    const waitMs = timeoutMs + (this.opts.graceMs ?? WORKER_GRACE_MS);
    return Promise.all(jobIds.map((jobId) => this.answer<K>(jobId, query.kind, waitMs)));
  }

  private async answer<K extends HostQuery["kind"]>(
    jobId: string,
    kind: K,
    waitMs: number,
  ): Promise<ReadAnswer<HostReadResult<K>>> {
    const outcome = this.opts.waiter
      ? await this.opts.waiter.wait(jobId, waitMs)
      : await waitForJob(this.queue.queue, jobId, waitMs, this.opts.pollMs ?? 100);
    // Looked at before the removal: a read a worker took (then parked, or still running) is no missing worker.
    const taken = outcome.state === "pending" && (await this.taken(jobId));
    // A read nobody took must not run later for nobody; a taken one ages out on its own. The
    // answer does not wait for the removal: it changes nothing the asker is told.
    void this.queue.queue.remove(jobId).catch(() => 0);
    if (outcome.state === "pending") {
      return { answered: false, reason: taken ? hostStillBusy(waitMs) : noWorkerAnswered(waitMs) };
    }
    if (outcome.state === "failed") return { answered: false, reason: outcome.reason };
    const parsed = hostReadResultSchemas[kind].safeParse(outcome.result);
    if (!parsed.success) {
      return {
        answered: false,
        reason: "a worker answered in another shape; run one dockops version everywhere",
      };
    }
    return { answered: true, result: parsed.data as HostReadResult<K> };
  }

  private async taken(jobId: string): Promise<boolean> {
    const job = await Job.fromId(this.queue.queue, jobId).catch(() => undefined);
    return job?.processedOn !== undefined;
  }
}

/** Each host's answer, or the host as unreachable with the reason no answer came. */
function orUnreachable<T>(
  hosts: readonly string[],
  answers: readonly ReadAnswer<T>[],
): (T | { host: string; reachable: false; reason: string })[] {
  return hosts.map((host, i) => {
    const answer = answers[i] as ReadAnswer<T>;
    return answer.answered ? answer.result : { host, reachable: false as const, reason: answer.reason };
  });
}

/** /status, /hosts and /images read the hosts through workers. */
export function workerFleetReader(reads: HostReads): FleetReader {
  return async (hosts, opts) => {
    const query = {
      kind: "snapshot" as const,
      inspect: opts.inspect ?? false,
      ...(opts.project ? { project: opts.project } : {}),
    };
    return orUnreachable(hosts, await reads.readAll(hosts, query, opts.timeoutMs));
  };
}

/** Dry runs, /promote and /scale find the running containers through workers. */
export function workerRunningReader(reads: HostReads, timeoutMs: number): RunningReader {
  return async (hosts, project, env) => {
    const answers = await reads.readAll(hosts, { kind: "running", project, env }, timeoutMs);
    return Object.fromEntries(
      hosts.map((host, i) => {
        const answer = answers[i] as ReadAnswer<HostReadResult<"running">>;
        return [host, answer.answered ? answer.result : { error: answer.reason }];
      }),
    );
  };
}

/** /logs reads each host's tail through a worker, which masks secret values before answering. */
export function workerLogsReader(reads: HostReads): (host: string, q: LogsQuery) => Promise<HostLogs> {
  return async (host, q) => {
    const query = {
      kind: "logs" as const,
      project: q.project,
      env: q.env,
      tail: q.tail,
      ...(q.sinceMs ? { sinceMs: q.sinceMs } : {}),
    };
    const answer = await reads.read(host, query, q.timeoutMs);
    return answer.answered ? answer.result : { host, ok: false, reason: answer.reason };
  };
}

/** How long git may take to fetch a ref when a deploy of a project's code resolves it. */
export const COMMIT_READ_TIMEOUT_MS = 60_000;

/** The commit a project's code ref points to, resolved by a worker (the bot runs no git). */
export function workerCommitResolver(reads: HostReads) {
  return async (
    project: string,
    ref: string,
    host: string,
  ): Promise<{ commit: string } | { error: string }> => {
    const answer = await reads.read(host, { kind: "commit", project, ref }, COMMIT_READ_TIMEOUT_MS);
    return answer.answered ? answer.result : { error: answer.reason };
  };
}

/** /stats reads each host's resource usage through a worker, in parallel. */
export function workerStatsReader(reads: HostReads): StatsReader {
  return async (hosts, opts) => {
    const query = {
      kind: "stats" as const,
      ...(opts.project ? { project: opts.project } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    };
    return orUnreachable(hosts, await reads.readAll(hosts, query, opts.timeoutMs));
  };
}
