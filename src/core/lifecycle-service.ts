import type { Logger } from "pino";
import type { LifecyclePlan } from "../../commands/lifecycle.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import type { LifecycleResult } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { foreignCode, foreignText } from "./foreign-text.js";
import { type HostOutcome as Outcome, settleHostJobs, waitingOn } from "./host-outcomes.js";
import { type Chat, ephemeral, type Message, type MessageRef, type Reply } from "./message.js";

export type LifecycleServiceDeps = {
  queue: JobQueue;
  chat: Chat;
  log: Logger;
  pollMs?: number;
  timeoutMs?: number;
};

type HostOutcome = Outcome<LifecycleResult>;

const VERB = { restart: "Restart", stop: "Stop", start: "Start" } as const;

export function renderLifecycle(plan: LifecyclePlan, outcomes: Record<string, HostOutcome>): Message {
  const states = Object.values(outcomes);
  const done = states.every((o) => o.state !== "waiting");
  const failed = states.some((o) => o.state === "failed");
  const icon = !done ? ":hourglass_flowing_sand:" : failed ? ":x:" : ":white_check_mark:";
  const head = `${icon} ${VERB[plan.action]} of *${plan.project}* in *${plan.env}* requested by <@${plan.requestedBy}>${done ? (failed ? ": failed" : ": done") : "…"}`;
  const lines = plan.hosts.map((host) => {
    const o = outcomes[host] ?? { state: "waiting" };
    if (o.state === "waiting") return `• *${host}*: working…`;
    if (o.state === "failed") return `• *${host}*: ${foreignText(o.error)}`;
    return `• *${host}*: ${foreignCode(o.result.containerName)} ${foreignText(o.result.state)}`;
  });
  return { text: [head, ...lines].join("\n") };
}

/**
 * Restart/stop/start go through the queue like deploys, so the worker (which holds the Docker
 * connections) does the work; this posts one message and updates it as the jobs finish.
 */
export class LifecycleService {
  constructor(private readonly deps: LifecycleServiceDeps) {}

  async start(plan: LifecyclePlan): Promise<Reply | undefined> {
    const { queue, chat, log } = this.deps;
    const requestId = newDeployId();
    let ids: string[];
    try {
      ids = await queue.enqueueLifecycle(
        plan.hosts.map((host) => ({
          requestId,
          action: plan.action,
          project: plan.project,
          env: plan.env,
          host,
          requestedBy: plan.requestedBy,
        })),
      );
    } catch (err) {
      log.error({ err: errorMessage(err) }, "lifecycle job not enqueued");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    const outcomes = waitingOn<LifecycleResult>(plan.hosts);
    const ref = await chat.post(plan.channel, renderLifecycle(plan, outcomes));
    log.info(
      { requestId, action: plan.action, project: plan.project, env: plan.env, hosts: plan.hosts },
      "lifecycle enqueued",
    );
    void this.follow(plan, ids, outcomes, ref).catch((err) =>
      log.warn({ err: errorMessage(err), requestId }, "could not follow the lifecycle jobs"),
    );
    return undefined;
  }

  /** Waits for the jobs (a few at most, each short) and updates the message when all are final. */
  private async follow(
    plan: LifecyclePlan,
    ids: string[],
    outcomes: Record<string, HostOutcome>,
    ref: MessageRef,
  ): Promise<void> {
    const { queue, chat } = this.deps;
    await settleHostJobs(queue.queue, plan.hosts, ids, outcomes, this.deps.timeoutMs ?? 120_000);
    await chat.update(ref, renderLifecycle(plan, outcomes));
  }
}
