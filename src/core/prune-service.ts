import type { Logger } from "pino";
import type { PrunePlan } from "../../commands/prune.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import { pruneResultSchema } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { waitForJob } from "../queue/wait-job.js";
import { foreignText } from "./foreign-text.js";
import { ephemeral, type Reply } from "./message.js";
import { megabytes } from "./table.js";

export type PruneDeps = { queue: JobQueue; log: Logger; waitMs?: number };

/** /prune: a worker job (it changes the host); the bot waits briefly to report the result. */
export class PruneService {
  constructor(private readonly deps: PruneDeps) {}

  async prune(plan: PrunePlan): Promise<Reply> {
    let jobId: string;
    try {
      jobId = await this.deps.queue.enqueuePrune({
        requestId: newDeployId(),
        host: plan.host,
        requestedBy: plan.requestedBy,
      });
    } catch (err) {
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    this.deps.log.info({ jobId, host: plan.host, by: plan.requestedBy }, "prune enqueued");
    const outcome = await waitForJob(this.deps.queue.queue, jobId, this.deps.waitMs ?? 60_000);
    if (outcome.state === "pending") {
      return ephemeral(
        `Prune of *${plan.host}* is queued as \`${jobId}\`; \`/job ${jobId}\` shows its result.`,
      );
    }
    if (outcome.state === "failed") {
      return ephemeral(`:x: Prune of *${plan.host}* failed: ${foreignText(outcome.reason)}`);
    }
    const result = pruneResultSchema.parse(outcome.result);
    const cache = result.cache
      ? ` Build cache: ${result.cache.deleted} entries removed, ${megabytes(result.cache.spaceReclaimed)} reclaimed.`
      : ` The build cache was not pruned: ${foreignText(result.cacheError ?? "no answer")}.`;
    return {
      visibility: "in_channel",
      message: {
        text: `:broom: <@${plan.requestedBy}> pruned dangling images on *${plan.host}*: ${result.deleted} images and layers removed, ${megabytes(result.spaceReclaimed)} reclaimed.${cache}`,
      },
    };
  }
}
