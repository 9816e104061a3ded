import { Job } from "bullmq";
import type { Logger } from "pino";
import type { BuildPlan } from "../../commands/build.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import { buildProgressSchema, buildResultSchema } from "../jobs/build-schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { foreignText } from "./foreign-text.js";
import { type Chat, ephemeral, type MessageRef, type Reply } from "./message.js";
import { type BuildState, renderBuild } from "./render-build.js";

export type BuildServiceDeps = {
  queue: JobQueue;
  chat: Chat;
  log: Logger;
  /** How often the message follows the job (default 1 s, which also keeps Slack's rate limit). */
  pollMs?: number;
  /** How long the message follows a build before leaving it to `/job` (default 1 h). */
  followMs?: number;
};

/** The job's state as the message shows it. */
async function readState(job: Job | undefined): Promise<BuildState> {
  if (!job) return { state: "failed", reason: "the build job is gone from the queue" };
  if (job.finishedOn) {
    if ((await job.getState()) === "failed") return { state: "failed", reason: job.failedReason ?? "failed" };
    const result = buildResultSchema.safeParse(job.returnvalue);
    return result.success
      ? { state: "succeeded", result: result.data }
      : { state: "failed", reason: "bad result" };
  }
  if (!job.processedOn) return { state: "queued" };
  const progress = buildProgressSchema.safeParse(job.progress);
  return { state: "running", ...(progress.success ? { progress: progress.data } : {}) };
}

/**
 * `/build`: one worker job on the builder host and one channel message that follows it. An
 * identical build still running is joined, not repeated: the requester is told its job id.
 */
export class BuildService {
  private closed = false;

  constructor(private readonly deps: BuildServiceDeps) {}

  /** Stops following builds (the bot is shutting down); `/job` still shows them. */
  close(): void {
    this.closed = true;
  }

  async build(plan: BuildPlan): Promise<Reply | undefined> {
    const { queue, chat, log } = this.deps;
    let enqueued: { jobId: string; duplicate: boolean };
    try {
      enqueued = await queue.enqueueBuild({
        requestId: newDeployId(),
        project: plan.project,
        ref: plan.ref,
        ...(plan.tag ? { tag: plan.tag } : {}),
        host: plan.builder,
        requestedBy: plan.requestedBy,
      });
    } catch (err) {
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    const { jobId } = enqueued;
    if (enqueued.duplicate) {
      return ephemeral(
        `The same build of *${plan.project}* at \`${plan.ref}\` is already under way as \`${jobId}\`; its message in the channel follows it, and \`/job ${jobId}\` shows its log. Nothing new was started.`,
      );
    }
    log.info({ jobId, project: plan.project, ref: plan.ref, by: plan.requestedBy }, "build enqueued");
    let ref: MessageRef;
    try {
      ref = await chat.post(plan.channel, renderBuild(plan, jobId, { state: "queued" }));
    } catch (err) {
      return ephemeral(
        `Building *${plan.project}* at \`${plan.ref}\` as \`${jobId}\`, but I could not post in this channel (${foreignText(errorMessage(err))}); \`/job ${jobId}\` follows it.`,
      );
    }
    void this.follow(plan, jobId, ref);
    return undefined;
  }

  /** Re-renders the message whenever the job's state or progress changes, until it ends. */
  private async follow(plan: BuildPlan, jobId: string, ref: MessageRef): Promise<void> {
    const { queue, chat, log } = this.deps;
    const deadline = Date.now() + (this.deps.followMs ?? 3_600_000);
    let shown = "";
    while (Date.now() < deadline && !this.closed) {
      try {
        const state = await readState(await Job.fromId(queue.queue, jobId));
        const message = renderBuild(plan, jobId, state);
        const key = JSON.stringify(message);
        if (key !== shown) {
          await chat.update(ref, message);
          shown = key;
        }
        if (state.state === "succeeded" || state.state === "failed") return;
      } catch (err) {
        log.warn({ jobId, err: errorMessage(err) }, "could not update the build message");
      }
      // Unref'd: a build being followed must not keep a stopping bot alive.
      await new Promise((r) => setTimeout(r, this.deps.pollMs ?? 1_000).unref());
    }
  }
}
