import type { Logger } from "pino";
import type { DeployPlan } from "../../commands/deploy.js";
import { newDeployId } from "../deploys/id.js";
import type { DeployMeta, DeployStore } from "../deploys/store.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import type { JobQueue } from "../queue/queues.js";
import { type Chat, ephemeral, type Reply } from "./message.js";
import type { ExecuteContext } from "./ops.js";
import { renderDeploy } from "./render-deploy.js";

export type DeployServiceDeps = { store: DeployStore; queue: JobQueue; chat: Chat; log: Logger };

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
    };
    try {
      await store.create(meta);
    } catch (err) {
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy record not stored");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    const first = renderDeploy({ meta, hosts: {} });
    const ref = ctx.message ?? (await chat.post(plan.channel, first));
    if (ctx.message) await chat.update(ctx.message, first);
    await store.setMessage(meta.id, ref);
    try {
      await queue.enqueueDeploys(
        plan.hosts.map((host) => ({
          deployId: meta.id,
          project: plan.project,
          env: plan.env,
          host,
          tag: plan.tag,
          ...(plan.digest ? { digest: plan.digest } : {}),
          requestedBy: plan.requestedBy,
        })),
      );
    } catch (err) {
      const message = new QueueUnavailableError(errorMessage(err)).message;
      log.error({ err: errorMessage(err), deployId: meta.id }, "deploy not enqueued");
      await chat.update(ref, {
        text: `:x: Deploy of *${plan.project}:${plan.tag}* to *${plan.env}* not started: ${message}`,
      });
      return undefined;
    }
    log.info(
      { deployId: meta.id, project: plan.project, env: plan.env, hosts: plan.hosts, tag: plan.tag },
      "deploy enqueued",
    );
    return undefined;
  }
}
