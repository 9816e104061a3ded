import type { Logger } from "pino";
import type { DeployPlan } from "../../commands/deploy.js";
import { newDeployId } from "../deploys/id.js";
import type { DeployMeta, DeployStore } from "../deploys/store.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import type { JobQueue } from "../queue/queues.js";
import { type Chat, ephemeral, type MessageRef, type Reply } from "./message.js";
import { renderDeploy } from "./render-deploy.js";

export type DeployServiceDeps = { store: DeployStore; queue: JobQueue; chat: Chat; log: Logger };

/** Turns a validated deploy plan into a record, a channel message and one job per host. */
export class DeployService {
  constructor(private readonly deps: DeployServiceDeps) {}

  async start(plan: DeployPlan): Promise<Reply | undefined> {
    const { store, queue, chat, log } = this.deps;
    if (plan.dryRun) {
      return ephemeral(
        `Dry run: would deploy *${plan.project}:${plan.tag}* (${plan.image}) to *${plan.env}* on ${plan.hosts.join(", ")}. Nothing was done.`,
      );
    }
    const meta: DeployMeta = {
      id: newDeployId(),
      project: plan.project,
      env: plan.env,
      tag: plan.tag,
      hosts: plan.hosts,
      requestedBy: plan.requestedBy,
      channel: plan.channel,
      createdAt: Date.now(),
    };
    try {
      await store.create(meta);
    } catch (err) {
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy record not stored");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    // The channel message is how people follow a deploy, but Slack failing to show it is no
    // reason not to deploy: the requester hears about it and /history has the outcome.
    let ref: MessageRef | undefined;
    let notice: Reply | undefined;
    try {
      ref = await chat.post(plan.channel, renderDeploy({ meta, hosts: {} }));
    } catch (err) {
      log.warn(
        { err: errorMessage(err), deployId: meta.id, channel: plan.channel },
        "deploy message not posted",
      );
      notice = ephemeral(
        `Deploying *${plan.project}:${plan.tag}* to *${plan.env}*, but I could not post in this channel (${errorMessage(err)}); invite me to the channel to see progress. Deploy id: \`${meta.id}\`.`,
      );
    }
    try {
      // Without the message in the record no one could follow the deploy: both, or neither.
      if (ref) await store.setMessage(meta.id, ref);
      await queue.enqueueDeploys(
        plan.hosts.map((host) => ({
          deployId: meta.id,
          project: plan.project,
          env: plan.env,
          host,
          tag: plan.tag,
          requestedBy: plan.requestedBy,
        })),
      );
    } catch (err) {
      const message = new QueueUnavailableError(errorMessage(err)).message;
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy not enqueued");
      const text = `:x: Deploy of *${plan.project}:${plan.tag}* to *${plan.env}* not started: ${message}`;
      if (!ref) return ephemeral(text);
      await chat.update(ref, { text }).catch(() => {});
      return undefined;
    }
    log.info(
      { deployId: meta.id, project: plan.project, env: plan.env, hosts: plan.hosts, tag: plan.tag },
      "deploy enqueued",
    );
    return notice;
  }
}
