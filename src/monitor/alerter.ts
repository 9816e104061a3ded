import type { Logger } from "pino";
import type { Chat } from "../core/message.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { AlertItem, AlertStore } from "./alert-store.js";
import { renderAlert } from "./render-alert.js";

export type NewAlert = Omit<AlertItem, "resolvedAt">;

export type AlerterOptions = { batchMs: number };

/**
 * Raises and resolves conditions. New conditions wait `batchMs` per host+environment so a flood
 * becomes one message; each is claimed in Redis first, so a condition another monitor (or an
 * earlier alert) already holds open is never posted again.
 */
export class Alerter {
  private readonly batches = new Map<string, Map<string, NewAlert>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly store: AlertStore,
    private readonly chat: Chat,
    private readonly log: Logger,
    private readonly opts: AlerterOptions,
  ) {}

  channelFor(host: string, env?: string): string | undefined {
    if (this.fleet.alerts?.channel) return this.fleet.alerts.channel;
    if (env) return this.fleet.environments[env]?.channel;
    return Object.values(this.fleet.environments).find((e) => e.hosts.includes(host) && e.channel)?.channel;
  }

  raise(alert: NewAlert): void {
    if (this.closed) return;
    const group = `${alert.host}|${alert.env ?? ""}`;
    let batch = this.batches.get(group);
    if (!batch) {
      batch = new Map();
      this.batches.set(group, batch);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.batches.delete(group);
        void this.flush(alert.host, alert.env, [...(batch as Map<string, NewAlert>).values()]).catch((err) =>
          this.log.error({ err: errorMessage(err), host: alert.host }, "alert not posted"),
        );
      }, this.opts.batchMs);
      this.timers.add(timer);
    }
    const pending = batch.get(alert.key);
    // A later sighting of a condition still waiting in the batch wins (a restart loop's count grows).
    if (pending?.kind !== "restart-loop" || alert.kind === "restart-loop") batch.set(alert.key, alert);
  }

  private async flush(host: string, env: string | undefined, alerts: NewAlert[]): Promise<void> {
    const id = newDeployId();
    const claimed: NewAlert[] = [];
    for (const alert of alerts) {
      if (alert.project && alert.env && (await this.store.silenced(alert.project, alert.env))) continue;
      if (await this.store.claim(alert.key, id, alert.eventAt)) claimed.push(alert);
      else if (alert.kind === "restart-loop") await this.escalate(alert);
    }
    if (claimed.length === 0) return;
    const channel = this.channelFor(host, env);
    if (!channel) {
      this.log.warn(
        { host, env, keys: claimed.map((a) => a.key) },
        "no channel for this alert; set alerts.channel",
      );
      return;
    }
    const openedAt = Math.min(...claimed.map((a) => a.eventAt));
    const draft = {
      meta: { id, channel, ts: "", host, env, openedAt, postedAt: Date.now() },
      items: claimed,
    };
    try {
      const ref = await this.chat.post(channel, renderAlert(draft));
      const meta = { ...draft.meta, channel: ref.channel, ts: ref.ts };
      await this.store.save(meta, claimed);
      for (const a of claimed) {
        this.log.info(
          { alertId: id, key: a.key, kind: a.kind, latencyMs: meta.postedAt - a.eventAt },
          "alert posted",
        );
      }
    } catch (err) {
      for (const a of claimed) await this.store.release(a.key);
      throw err;
    }
  }

  /** Turns an open condition into a worse one in its own message (exited → restart loop), once. */
  async escalate(alert: NewAlert): Promise<void> {
    const id = await this.store.openIdFor(alert.key);
    if (!id || !(await this.store.claimEscalation(alert.key, alert.kind))) return;
    const record = await this.waitForRecord(id);
    const before = record?.items.find((i) => i.key === alert.key);
    if (!record || !before) return;
    const item: AlertItem = {
      ...before,
      kind: alert.kind,
      detail: alert.detail,
      output: alert.output ?? before.output,
    };
    await this.store.putItem(id, item);
    await this.rerender(id);
  }

  /** Marks the condition recovered and updates its original message; a no-op if it is not open. */
  async resolve(key: string, at = Date.now()): Promise<void> {
    const id = await this.store.close(key);
    if (!id) return;
    const record = await this.waitForRecord(id);
    const item = record?.items.find((i) => i.key === key);
    if (!record || !item) return;
    await this.store.putItem(id, { ...item, resolvedAt: Math.max(at, item.eventAt) });
    const after = await this.rerender(id);
    if (after?.items.every((i) => i.resolvedAt)) await this.store.markClosed(id);
    this.log.info({ alertId: id, key }, "alert resolved");
  }

  async isOpen(key: string): Promise<boolean> {
    return (await this.store.openIdFor(key)) !== undefined;
  }

  private async rerender(id: string) {
    const record = await this.store.get(id);
    if (record?.meta.ts)
      await this.chat.update({ channel: record.meta.channel, ts: record.meta.ts }, renderAlert(record));
    return record;
  }

  /** Another monitor may have claimed the condition and still be posting it. */
  private async waitForRecord(id: string) {
    for (let i = 0; i < 20; i++) {
      const record = await this.store.get(id);
      if (record) return record;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  stop(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
