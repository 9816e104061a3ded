import type { AlertsPlan, SilencePlan } from "../../commands/alerts.js";
import { foreignBlock, foreignCode, foreignText } from "../core/foreign-text.js";
import { ephemeral, type Reply } from "../core/message.js";
import type { ActionRequest, CommandRequest } from "../core/ops.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage } from "../errors.js";
import { formatDuration } from "../fleet/duration.js";
import type { TailLogsResult } from "../jobs/schemas.js";
import type { JobQueue } from "../queue/queues.js";
import { NOT_FINISHED, waitForJob } from "../queue/wait-job.js";
import type { AlertItem, AlertStore } from "./alert-store.js";

export type AlertCommandsDeps = {
  alerts: AlertStore;
  /** Show logs runs as a job: the worker holds the Docker connections and masks the secrets. */
  queue: JobQueue;
  logsTimeoutMs?: number;
  /** Runs a chat command through the core, so buttons obey the same rules as typed commands. */
  handle: (req: CommandRequest) => Promise<Reply | undefined>;
  /** Plans, audits and checks a chat command without running it (`Ops.admitRequest`). */
  admit: (req: CommandRequest) => Promise<{ plan: { requestedBy: string } } | { reply: Reply }>;
};

const SILENCE_BUTTON = "1h";
const LOG_LINES = 30;

/** `/alerts`, `/silence` and the buttons on alert messages. */
export class AlertCommands {
  constructor(private readonly deps: AlertCommandsDeps) {}

  async list(plan: AlertsPlan, now = Date.now()): Promise<Reply> {
    const [open, all] = await Promise.all([this.deps.alerts.openAlerts(), this.deps.alerts.silences(now)]);
    // Narrowed by the access check: only the environments the requester may see (host alerts need all).
    const visible = (env?: string) => plan.envs === undefined || plan.envs.includes(env ?? "");
    const silences = all.filter((s) => visible(s.env));
    const lines = ["*Open alerts*"];
    for (const record of open) {
      for (const item of record.items.filter((i) => !i.resolvedAt && visible(i.env))) {
        const where = item.project ? `*${item.project}* (${item.env}) on *${item.host}*` : `*${item.host}*`;
        lines.push(`• ${where}: ${item.detail} — open for ${formatDuration(now - item.eventAt)}`);
      }
    }
    if (lines.length === 1) lines.push("none");
    lines.push("*Silences*");
    for (const s of silences) {
      lines.push(
        `• *${s.project}* (${s.env}) until <!date^${Math.floor(s.until / 1000)}^{time}|${new Date(s.until).toISOString()}>, by <@${s.by}>`,
      );
    }
    if (silences.length === 0) lines.push("none");
    return ephemeral(lines.join("\n"));
  }

  async silence(plan: SilencePlan): Promise<Reply> {
    await this.deps.alerts.silence(plan.project, plan.env, plan.durationMs, plan.requestedBy);
    return {
      visibility: "in_channel",
      message: {
        text:
          plan.durationMs === 0
            ? `:bell: <@${plan.requestedBy}> ended the silence of *${plan.project}* in *${plan.env}*.`
            : `:no_bell: <@${plan.requestedBy}> silenced new alerts about *${plan.project}* in *${plan.env}* for ${formatDuration(plan.durationMs)}.`,
      },
    };
  }

  /** Buttons carry the alert id; the action id after "alert:" says which button. */
  async act(req: ActionRequest): Promise<Reply | undefined> {
    const record = await this.deps.alerts.get(req.value);
    if (!record) return ephemeral("That alert is no longer stored; check `/alerts`.");
    const channel = req.message?.channel ?? record.meta.channel;
    const button = req.action.split(":")[1];
    // Every button is the command it stands for, typed by the presser in the alert's channel:
    // the same roles, channel rules and audit entries as typing it.
    const as = (command: string, text: string): CommandRequest => ({
      command,
      text,
      user: req.user,
      channel,
    });
    if (button === "restart-proxy") {
      const hosts = [
        ...new Set(stillOpen(record.items.filter((i) => i.kind === "proxy")).map((i) => i.host)),
      ];
      if (hosts.length === 0) return ephemeral("This alert is not about a proxy; there is none to restart.");
      return joined(await Promise.all(hosts.map((host) => this.deps.handle(as("proxy", `${host} restart`)))));
    }
    const targets = uniqueTargets(record.items);
    if (targets.length === 0)
      return ephemeral("This alert is about a host, not a project; there is nothing to act on.");
    if (button === "restart" || button === "rollback") {
      return joined(
        await Promise.all(
          targets.map((t) => this.deps.handle(as(button, `${t.project} ${t.env} ${t.host}`))),
        ),
      );
    }
    if (button === "logs") {
      const parts = await Promise.all(
        targets.map(async (t) => {
          const admitted = await this.deps.admit(
            as("logs", `${t.project} ${t.env} ${t.host} --tail ${LOG_LINES}`),
          );
          return "reply" in admitted ? admitted.reply.message.text : this.logs(t, admitted.plan.requestedBy);
        }),
      );
      return ephemeral(parts.join("\n"));
    }
    if (button === "silence") {
      const pairs = uniqueBy(targets, (t) => `${t.project}:${t.env}`);
      return joined(
        await Promise.all(
          pairs.map((t) => this.deps.handle(as("silence", `${t.project} ${t.env} ${SILENCE_BUTTON}`))),
        ),
      );
    }
    return ephemeral("That button is no longer supported; run the command again.");
  }

  /** The alerted container's last lines, read by a worker (it may have died since). */
  private async logs(t: Target, user: string): Promise<string> {
    const where = `*${t.project}* (${t.env}) on *${t.host}*`;
    try {
      const id = await this.deps.queue.enqueueTailLogs({
        requestId: newDeployId(),
        project: t.project,
        env: t.env,
        host: t.host,
        ...(t.containerId ? { containerId: t.containerId } : {}),
        lines: LOG_LINES,
        requestedBy: user,
      });
      const outcome = await waitForJob<TailLogsResult>(
        this.deps.queue.queue,
        id,
        this.deps.logsTimeoutMs ?? 20_000,
      );
      if (outcome.state === "pending") return `${where}: ${NOT_FINISHED}`;
      if (outcome.state === "failed") return `${where}: ${foreignText(outcome.reason)}`;
      const { lines, containerName } = outcome.result;
      const block = foreignBlock(lines.length > 0 ? lines : ["(no output)"]).join("\n");
      return `${where}, ${foreignCode(containerName)}, last ${lines.length} lines:\n${block}`;
    } catch (err) {
      return `${where}: ${foreignText(errorMessage(err))}`;
    }
  }
}

/** The answers of several commands run for one press, as one message to the presser. */
function joined(replies: Array<Reply | undefined>): Reply | undefined {
  const texts = replies.filter((r): r is Reply => r !== undefined).map((r) => r.message.text);
  return texts.length > 0 ? ephemeral(texts.join("\n")) : undefined;
}

type Target = { project: string; env: string; host: string; containerId?: string };

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** The open conditions, or all of them once none is open (a button pressed after recovery). */
function stillOpen(items: AlertItem[]): AlertItem[] {
  const open = items.filter((i) => !i.resolvedAt);
  return open.length > 0 ? open : items;
}

function uniqueTargets(items: AlertItem[]): Target[] {
  const withProject = stillOpen(items).filter((i) => i.project && i.env);
  return uniqueBy(
    withProject.map((i) => ({
      project: i.project as string,
      env: i.env as string,
      host: i.host,
      containerId: i.containerId,
    })),
    (t) => `${t.project}:${t.env}:${t.host}`,
  );
}
