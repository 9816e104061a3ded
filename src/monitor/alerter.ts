import type { Logger } from "pino";
import type { Chat } from "../core/message.js";
import { newDeployId } from "../deploys/id.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import { alertsTotal } from "../metrics.js";
import type { AlertItem, AlertStore } from "./alert-store.js";
import { renderAlert } from "./render-alert.js";

export type NewAlert = Omit<AlertItem, "resolvedAt">;

export type AlerterOptions = {
  batchMs: number;
  /** Called once after a new alert is posted, with the conditions it opened (to attach a chart). */
  afterPost?: (channel: string, items: readonly NewAlert[]) => Promise<void>;
};

/**
 * Raises and resolves conditions. New conditions wait `batchMs` per host+environment so a flood
 * becomes one message; each is claimed in Redis first, so a condition another monitor (or an
 * earlier alert) already holds open is never posted again.
 */
type Batch = {
  host: string;
  env?: string;
  alerts: Map<string, NewAlert>;
  /** Events seen but still being looked at (inspect, logs): the batch waits for them. */
  pending: number;
  due: boolean;
  createdAt: number;
  quiet?: NodeJS.Timeout;
  /** Whether this monitor leads the batch; a follower waits, then posts only what is left. */
  lead: Promise<boolean>;
};

/** However slow the looking-at is, a batch is posted at most this long after its window. */
const MAX_WAIT_MS = 3_000;
/** Events keep a batch open while they arrive less than `batchMs` apart, up to this many windows. */
const MAX_WINDOWS = 4;

export class Alerter {
  private readonly monitorId = newDeployId();
  private readonly batches = new Map<string, Batch>();
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

  /**
   * Called when an event arrives, before the (slow) look at the container: the batch window starts
   * at the event, and the batch is not posted until every event in it was looked at.
   */
  reserve(host: string, env?: string): () => void {
    const batch = this.batchFor(host, env);
    this.keepOpen(batch);
    batch.pending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      batch.pending--;
      this.maybeFlush(batch);
    };
  }

  raise(alert: NewAlert): void {
    if (this.closed) return;
    const batch = this.batchFor(alert.host, alert.env);
    const waiting = batch.alerts.get(alert.key);
    // A later sighting of a condition still waiting in the batch wins (a restart loop's count grows).
    if (waiting?.kind !== "restart-loop" || alert.kind === "restart-loop") batch.alerts.set(alert.key, alert);
    this.maybeFlush(batch);
  }

  private batchFor(host: string, env?: string): Batch {
    const group = `${host}|${env ?? ""}`;
    const existing = this.batches.get(group);
    if (existing) return existing;
    const span = this.opts.batchMs * MAX_WINDOWS + MAX_WAIT_MS;
    const lead = this.store.lead(group, this.monitorId, span).catch(() => true);
    const batch: Batch = {
      host,
      env,
      alerts: new Map(),
      pending: 0,
      due: false,
      createdAt: Date.now(),
      lead,
    };
    this.batches.set(group, batch);
    this.keepOpen(batch);
    const force = setTimeout(
      () => {
        this.timers.delete(force);
        batch.due = true;
        batch.pending = 0;
        this.maybeFlush(batch);
      },
      this.opts.batchMs * MAX_WINDOWS + MAX_WAIT_MS,
    );
    this.timers.add(force);
    return batch;
  }

  /** (Re)starts the batch's quiet period: a flood's events arrive close together, not at once. */
  private keepOpen(batch: Batch): void {
    if (batch.due) return;
    if (batch.quiet) {
      clearTimeout(batch.quiet);
      this.timers.delete(batch.quiet);
    }
    const left = batch.createdAt + this.opts.batchMs * MAX_WINDOWS - Date.now();
    const quiet = setTimeout(
      () => {
        this.timers.delete(quiet);
        batch.due = true;
        this.maybeFlush(batch);
      },
      Math.max(0, Math.min(this.opts.batchMs, left)),
    );
    batch.quiet = quiet;
    this.timers.add(quiet);
  }

  private maybeFlush(batch: Batch): void {
    if (!batch.due || batch.pending > 0) return;
    const group = `${batch.host}|${batch.env ?? ""}`;
    if (this.batches.get(group) === batch) this.batches.delete(group);
    const alerts = [...batch.alerts.values()];
    batch.alerts.clear();
    if (alerts.length === 0 || this.closed) return;
    void this.flush(batch.host, batch.env, alerts, batch.lead).catch((err) =>
      this.log.error({ err: errorMessage(err), host: batch.host }, "alert not posted"),
    );
  }

  private async flush(
    host: string,
    env: string | undefined,
    alerts: NewAlert[],
    lead: Promise<boolean>,
  ): Promise<void> {
    if (!(await lead)) {
      // Another monitor leads this host+env: give it time to post, then post only what it missed.
      await new Promise((r) => setTimeout(r, this.opts.batchMs * MAX_WINDOWS + 500));
      if (this.closed) return;
    }
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
        alertsTotal.inc({ kind: a.kind });
        this.log.info(
          { alertId: id, key: a.key, kind: a.kind, latencyMs: meta.postedAt - a.eventAt },
          "alert posted",
        );
      }
    } catch (err) {
      for (const a of claimed) await this.store.release(a.key);
      throw err;
    }
    // After the alert is out and saved: whatever this does, the alert stands.
    await this.opts
      .afterPost?.(channel, claimed)
      .catch((err) => this.log.warn({ alertId: id, err: errorMessage(err) }, "alert attachment failed"));
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

  /** Open conditions about containers on `host` (to close those whose container is gone). */
  async openContainerItems(host: string): Promise<AlertItem[]> {
    const records = await this.store.openAlerts();
    return records.flatMap((r) => r.items.filter((i) => !i.resolvedAt && i.host === host && i.containerId));
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
