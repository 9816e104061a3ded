import { Job } from "bullmq";
import type { Logger } from "pino";
import type { CancelPlan, JobPlan, JobsPlan } from "../../commands/jobs.js";
import { advanceRollout, type RolloutDeps } from "../deploys/rollout-advance.js";
import type { DeployRecord, DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import { isHostReadJobId } from "../jobs/read-schemas.js";
import { type JobView, jobView } from "../queue/job-view.js";
import type { JobQueue } from "../queue/queues.js";
import { type Chat, ephemeral, type Reply } from "./message.js";
import { renderDeploy } from "./render-deploy.js";
import { renderJob, renderJobs } from "./render-jobs.js";

/** A job as the access rules see it: which environment (or host) and who asked for it. */
export type JobOwner = { env?: string; host?: string; requestedBy?: string };

export type JobsDeps = {
  queue: JobQueue;
  store: DeployStore;
  chat: Chat;
  log: Logger;
  /** Why the plan's requester may not cancel this job (src/core/access.ts), or undefined. */
  mayCancel?: (plan: CancelPlan, job: JobOwner) => Promise<string | undefined>;
  /** Asks the worker running a build to stop it (src/queue/build-cancels.ts). */
  cancelBuild?: (jobId: string, by: string) => Promise<void>;
  /** Stops a rollout after its current batch (see rollout-advance.ts). */
  rollouts?: RolloutDeps;
  now?: () => number;
};

const QUEUED_STATES = ["waiting", "delayed", "prioritized", "waiting-children"] as const;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Who may see a job when the access check narrowed the plan to `envs`: jobs of those environments. */
const visible = (plan: { envs?: string[] }, view: JobView) =>
  plan.envs === undefined || plan.envs.includes(str(view.data.env) ?? "");

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
        return jobs
          .filter((j): j is Job => Boolean(j) && !isHostReadJobId(j.id ?? ""))
          .map((j) => jobView(j, state));
      }),
    );
    return out.flat();
  }

  async jobs(plan: JobsPlan): Promise<Reply> {
    const seen = (views: JobView[]) => views.filter((v) => visible(plan, v));
    const [active, queued, finished] = (
      await Promise.all([
        this.views(["active"], 50),
        this.views(QUEUED_STATES, 50),
        this.views(["completed", "failed"], plan.envs === undefined ? plan.count : 200),
      ])
    ).map(seen) as [JobView[], JobView[], JobView[]];
    finished.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
    const now = (this.deps.now ?? Date.now)();
    return ephemeral(renderJobs({ active, queued, finished: finished.slice(0, plan.count) }, now));
  }

  async job(plan: JobPlan): Promise<Reply> {
    const job = await Job.fromId(this.queue, plan.id);
    if (!job) return ephemeral(NOT_FOUND(plan.id));
    const [state, { logs }] = await Promise.all([job.getState(), this.queue.getJobLogs(plan.id, 0, 49)]);
    const view = jobView(job, state);
    // A job the requester may not see is answered like one that does not exist.
    if (!visible(plan, view)) return ephemeral(NOT_FOUND(plan.id));
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
    const owner = { env: str(view.data.env), host: str(view.data.host), requestedBy: view.requestedBy };
    const refused = await this.deps.mayCancel?.(plan, owner);
    if (refused) return ephemeral(`:no_entry: ${refused}`);
    if (state === "active" && view.name === "build" && this.deps.cancelBuild) {
      return this.cancelRunningBuild(job, view, plan.requestedBy);
    }
    const rollout = await this.rolloutOf(view);
    if (state === "active" && rollout) return this.stopRollout(rollout, plan.requestedBy, true);
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
    if (rollout) return this.stopRollout(rollout, plan.requestedBy, false);
    return {
      visibility: "in_channel",
      message: {
        text: `:no_entry_sign: <@${plan.requestedBy}> cancelled job \`${plan.id}\` (${view.what}) before it started.`,
      },
    };
  }

  /**
   * A running build can stop until it pushes: the worker closes the daemon's build and removes
   * its tags. Once pushing, the registry has (some of) the tags, so it is left to finish.
   */
  private async cancelRunningBuild(job: Job, view: JobView, by: string): Promise<Reply> {
    const phase = (job.progress as { phase?: unknown } | undefined)?.phase;
    if (phase === "pushing") {
      return ephemeral(
        `Build job \`${view.id}\` (${view.what}) is already pushing to the registry; it cannot be cancelled any more.`,
      );
    }
    await this.deps.cancelBuild?.(view.id, by);
    this.deps.log.info({ jobId: view.id, by }, "build cancel requested");
    return {
      visibility: "in_channel",
      message: {
        text: `:no_entry_sign: <@${by}> is cancelling build job \`${view.id}\` (${view.what}): the builder stops it within a second or two; nothing is tagged or pushed.`,
      },
    };
  }

  /** The rollout a deploy job belongs to, if its deploy goes out in batches, with how to move it on. */
  private async rolloutOf(view: JobView): Promise<{ record: DeployRecord; deps: RolloutDeps } | undefined> {
    const deployId = str(view.data.deployId);
    const deps = this.deps.rollouts;
    if (view.name !== "deploy" || !deployId || !deps) return undefined;
    const record = await this.deps.store.get(deployId);
    return record?.meta.rollout ? { record, deps } : undefined;
  }

  /**
   * Cancelling any job of a rollout stops it after the batch that runs now: a host half-way
   * through its swap finishes it (stopping it halfway helps no one), and no later batch starts.
   */
  private async stopRollout(
    { record, deps: rollouts }: { record: DeployRecord; deps: RolloutDeps },
    by: string,
    running: boolean,
  ): Promise<Reply> {
    await rollouts.rollouts.cancel(record.meta.id, by);
    // A batch whose jobs were all removed has no worker to end it: move the rollout on here.
    await advanceRollout(rollouts, record.meta.id);
    this.deps.log.info({ deployId: record.meta.id, by }, "rollout cancelled");
    const what = `${record.meta.project}:${record.meta.tag}`;
    return {
      visibility: "in_channel",
      message: {
        text: running
          ? `:no_entry_sign: <@${by}> stopped the rollout of *${what}* to *${record.meta.env}*: the batch running now finishes, no later batch starts.`
          : `:no_entry_sign: <@${by}> cancelled a job of the rollout of *${what}* to *${record.meta.env}* before it started; no later batch starts.`,
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
