import type { Logger } from "pino";
import type { ProxyPlan } from "../../commands/proxy.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import { proxyResultSchema } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { waitForJob } from "../queue/wait-job.js";
import { foreignCode, foreignText } from "./foreign-text.js";
import { ephemeral, type Reply } from "./message.js";

export type ProxyServiceDeps = { queue: JobQueue; log: Logger; waitMs?: number };

/** `/proxy`: a worker job on the host; the bot waits for it and tells the channel. */
export class ProxyService {
  constructor(private readonly deps: ProxyServiceDeps) {}

  async run(plan: ProxyPlan): Promise<Reply> {
    let jobId: string;
    try {
      jobId = await this.deps.queue.enqueueProxy({
        requestId: newDeployId(),
        action: plan.action,
        host: plan.host,
        requestedBy: plan.requestedBy,
      });
    } catch (err) {
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    this.deps.log.info(
      { jobId, host: plan.host, action: plan.action, by: plan.requestedBy },
      "proxy job enqueued",
    );
    const outcome = await waitForJob(this.deps.queue.queue, jobId, this.deps.waitMs ?? 120_000);
    if (outcome.state === "pending")
      return ephemeral(
        `The proxy ${plan.action} on *${plan.host}* is queued as \`${jobId}\`; \`/job ${jobId}\` shows how it ends.`,
      );
    if (outcome.state === "failed")
      return ephemeral(`:x: Proxy ${plan.action} on *${plan.host}* failed: ${foreignText(outcome.reason)}`);
    const parsed = proxyResultSchema.safeParse(outcome.result);
    if (!parsed.success)
      return ephemeral(`:x: The worker's answer to job \`${jobId}\` does not match this bot's version.`);
    const r = parsed.data;
    const now = `${foreignText(r.state)} ${foreignCode(r.image)}`;
    const what =
      r.action === "restart"
        ? `restarted the proxy on *${r.host}*; it is ${now} with the routes it had`
        : r.recreated
          ? `upgraded the proxy on *${r.host}* to a newer pull of ${foreignCode(r.image)}; it is ${foreignText(r.state)} with the routes it had`
          : `checked the proxy on *${r.host}*: it already runs the newest ${foreignCode(r.image)}, so nothing changed`;
    return {
      visibility: "in_channel",
      message: { text: `:arrows_counterclockwise: <@${plan.requestedBy}> ${what}.` },
    };
  }
}
