import { Job } from "bullmq";
import type { Logger } from "pino";
import type { CancelPlan, JobPlan, JobsPlan } from "../../commands/jobs.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import { type JobView, jobView } from "../queue/job-view.js";
import type { JobQueue } from "../queue/queues.js";
import { type Chat, ephemeral, type Reply } from "./message.js";
import { renderDeploy } from "./render-deploy.js";
import { renderJob, renderJobs } from "./render-jobs.js";

export type JobsDeps = { queue: JobQueue; store: DeployStore; chat: Chat; log: Logger; now?: () => number };

const QUEUED_STATES = ["waiting", "delayed", "prioritized", "waiting-children"] as const;
const NOT_FOUND = (id: string) =>
  `No job \`${id}\` (finished jobs are kept 7 days, failed ones 30); \`/jobs\` lists the recent ones.`;

/** /jobs, /job and /cancel over the BullMQ queue, with deploy records for the details. */
export class JobsService {
  constructor(private readonly deps: JobsDeps) {}

  private get queue() {
    return this.deps.queue.queue;
  }

  private async views(states: readonly string[], count: number): Promise<JobView[]> {
    const out = await Promise.all(
      states.map(async (state) => {
        const jobs = await this.queue.getJobs(
          [state as "waiting"],
          0,
          count - 1,
          state !== "completed" && state !== "failed",
        );
        return jobs.filter((j): j is Job => Boolean(j)).map((j) => jobView(j, state));
      }),
    );
    return out.flat();
  }

  async jobs(plan: JobsPlan): Promise<Reply> {
    const [active, queued, finished] = await Promise.all([
      this.views(["active"], 50),
      this.views(QUEUED_STATES, 50),
      this.views(["completed", "failed"], plan.count),
    ]);
    finished.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
    const now = (this.deps.now ?? Date.now)();
    return ephemeral(renderJobs({ active, queued, finished: finished.slice(0, plan.count) }, now));
  }

  async job(plan: JobPlan): Promise<Reply> {
    const job = await Job.fromId(this.queue, plan.id);
    if (!job) return ephemeral(NOT_FOUND(plan.id));
    const [state, { logs }] = await Promise.all([job.getState(), this.queue.getJobLogs(plan.id, 0, 49)]);
    const view = jobView(job, state);
    const deployId = typeof view.data.deployId === "string" ? view.data.deployId : undefined;
    const record = deployId ? await this.deps.store.get(deployId) : undefined;
    return ephemeral(renderJob(view, logs, record));
  }

  /** Removes a job no worker has taken; a running one is refused, since stopping it halfway helps no one. */
  async cancel(plan: CancelPlan): Promise<Reply> {
    const job = await Job.fromId(this.queue, plan.id);
    if (!job) return ephemeral(NOT_FOUND(plan.id));
    const state = await job.getState();
    const view = jobView(job, state);
    if (state === "active") {
      return ephemeral(
        `Job \`${plan.id}\` (${view.what}) is already running on a worker${view.step ? ` (${view.step})` : ""}; it cannot be cancelled. A failed deploy restores the previous version on its own.`,
      );
    }
    if (!(QUEUED_STATES as readonly string[]).includes(state)) {
      return ephemeral(
        `Job \`${plan.id}\` (${view.what}) has already ${state === "failed" ? "failed" : "finished"}; nothing to cancel.`,
      );
    }
    try {
      await job.remove();
    } catch (err) {
      // A worker took it between the state check and the removal: it holds the job's lock.
      return ephemeral(
        `Job \`${plan.id}\` could not be cancelled: it has just started (${errorMessage(err)}).`,
      );
    }
    this.deps.log.info({ jobId: plan.id, by: plan.requestedBy }, "job cancelled");
    await this.markDeployCancelled(view, plan.requestedBy);
    return {
      visibility: "in_channel",
      message: {
        text: `:no_entry_sign: <@${plan.requestedBy}> cancelled job \`${plan.id}\` (${view.what}) before it started.`,
      },
    };
  }

  /** A cancelled deploy job would leave its host "queued" forever in the record and the message. */
  private async markDeployCancelled(view: JobView, by: string): Promise<void> {
    const { deployId, host } = view.data;
    if (view.name !== "deploy" || typeof deployId !== "string" || typeof host !== "string") return;
    try {
      await this.deps.store.setHost(deployId, host, {
        state: "failed",
        error: "cancelled before it started",
        cancelledBy: by,
        finishedAt: Date.now(),
      });
      const record = await this.deps.store.get(deployId);
      if (record?.meta.message) await this.deps.chat.update(record.meta.message, renderDeploy(record));
    } catch (err) {
      this.deps.log.warn({ deployId, err: errorMessage(err) }, "could not mark the deploy cancelled");
    }
  }
}
