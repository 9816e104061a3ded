import type { Logger } from "pino";
import type { DeployPlan } from "../../commands/deploy.js";
import { newDeployId } from "../deploys/id.js";
import type { DeployMeta, DeployStore } from "../deploys/store.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import type { JobQueue } from "../queue/queues.js";
import { type Chat, ephemeral, type MessageRef, type Reply } from "./message.js";
import type { ExecuteContext } from "./ops.js";
import { renderDeploy } from "./render-deploy.js";

export type DeployServiceDeps = {
  store: DeployStore;
  queue: JobQueue;
  chat: Chat;
  log: Logger;
  /** The latest stored config revision; every host of one deploy runs with the same one. */
  configRevision?: (project: string, env: string) => Promise<number>;
};

/** Turns a validated deploy plan into a record, a channel message and one job per host. */
export class DeployService {
  constructor(private readonly deps: DeployServiceDeps) {}

  /** After an approval, `ctx.message` is the request's message: the deploy takes it over in place. */
  async start(plan: DeployPlan, ctx: ExecuteContext = {}): Promise<Reply | undefined> {
    const { store, queue, chat, log } = this.deps;
    if (plan.dryRun) {
      return ephemeral(
        `Dry run: would deploy *${plan.project}:${plan.tag}* (${plan.image}) to *${plan.env}* on ${plan.hosts.join(", ")}. Nothing was done.`,
      );
    }
    let configRevision: number | undefined;
    try {
      configRevision = await this.deps.configRevision?.(plan.project, plan.env);
    } catch (err) {
      log.error({ err: errorMessage(err) }, "config revision not read");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
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
      ...(ctx.approvedBy ? { approvedBy: ctx.approvedBy } : {}),
      ...(configRevision !== undefined ? { configRevision } : {}),
    };
    try {
      await store.create(meta);
    } catch (err) {
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy record not stored");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    // The channel message is how people follow a deploy, but Slack failing to show it is no
    // reason not to deploy: the requester hears about it and /history has the outcome.
    // After an approval the deploy takes over the request's message (ctx.message) in place.
    let ref: MessageRef | undefined = ctx.message;
    let notice: Reply | undefined;
    try {
      const first = renderDeploy({ meta, hosts: {} });
      if (ctx.message) await chat.update(ctx.message, first);
      else ref = await chat.post(plan.channel, first);
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
          ...(plan.digest ? { digest: plan.digest } : {}),
          requestedBy: plan.requestedBy,
          ...(configRevision !== undefined ? { configRevision } : {}),
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
