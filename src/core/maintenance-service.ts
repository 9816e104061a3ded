import type { Logger } from "pino";
import type { MaintenancePlan } from "../../commands/maintenance.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage, QueueUnavailableError } from "../errors.js";
import type { MaintenanceResult } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { foreignText } from "./foreign-text.js";
import { type HostOutcome as Outcome, settleHostJobs, waitingOn } from "./host-outcomes.js";
import { type Chat, ephemeral, type Message, type Reply } from "./message.js";

export type MaintenanceServiceDeps = { queue: JobQueue; chat: Chat; log: Logger; timeoutMs?: number };

type HostOutcome = Outcome<MaintenanceResult>;

export function renderMaintenance(plan: MaintenancePlan, outcomes: Record<string, HostOutcome>): Message {
  const states = Object.values(outcomes);
  const done = states.every((o) => o.state !== "waiting");
  const failed = states.some((o) => o.state === "failed");
  const icon = !done
    ? ":hourglass_flowing_sand:"
    : failed
      ? ":x:"
      : plan.on
        ? ":construction:"
        : ":white_check_mark:";
  const what = plan.on ? "Maintenance on" : "Maintenance off";
  const head = `${icon} ${what} for *${plan.project}* in *${plan.env}*, requested by <@${plan.requestedBy}>${done ? (failed ? ": failed" : "") : "…"}`;
  const shown = plan.on && plan.message ? [`> ${foreignText(plan.message)}`] : [];
  const lines = plan.hosts.map((host) => {
    const o = outcomes[host] ?? { state: "waiting" };
    if (o.state === "waiting") return `• *${host}*: working…`;
    if (o.state === "failed") return `• *${host}*: ${foreignText(o.error)}`;
    const now = o.result.on ? "the proxy answers 503" : "the proxy serves it";
    return `• *${host}*: ${now}${o.result.changed ? "" : " (already so)"}`;
  });
  return { text: [head, ...shown, ...lines].join("\n") };
}

/** `/maintenance`: one job per host of the environment, one channel message that shows them end. */
export class MaintenanceService {
  constructor(private readonly deps: MaintenanceServiceDeps) {}

  async run(plan: MaintenancePlan): Promise<Reply | undefined> {
    const { queue, chat, log } = this.deps;
    const requestId = newDeployId();
    let ids: string[];
    try {
      ids = await queue.enqueueMaintenance(
        plan.hosts.map((host) => ({
          requestId,
          on: plan.on,
          project: plan.project,
          env: plan.env,
          host,
          ...(plan.message ? { message: plan.message } : {}),
          requestedBy: plan.requestedBy,
        })),
      );
    } catch (err) {
      log.error({ err: errorMessage(err) }, "maintenance job not enqueued");
      return ephemeral(new QueueUnavailableError(errorMessage(err)).message);
    }
    const outcomes = waitingOn<MaintenanceResult>(plan.hosts);
    const ref = await chat.post(plan.channel, renderMaintenance(plan, outcomes));
    void settleHostJobs(queue.queue, plan.hosts, ids, outcomes, this.deps.timeoutMs ?? 120_000)
      .then(() => chat.update(ref, renderMaintenance(plan, outcomes)))
      .catch((err) =>
        log.warn({ err: errorMessage(err), requestId }, "could not follow the maintenance jobs"),
      );
    return undefined;
  }
}
