import { createHash } from "node:crypto";
import type { QueueEvents } from "bullmq";
import type { Logger } from "pino";
import { type JobLookup, reconcileDeploy } from "../deploys/reconcile.js";
import { advanceRollout, type RolloutDeps } from "../deploys/rollout-advance.js";
import { type DeployRecord, type DeployStore, isFinal } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Chat, Message } from "./message.js";
import { renderDeploy } from "./render-deploy.js";

const JOB_ID = /^deploy-([a-z0-9]+)-(.+)$/;

/**
 * Workers hold no Slack token: they write progress to the deploy record and BullMQ tells the
 * bot. The bot re-renders the whole message from the record, so a missed or reordered event
 * cannot leave it wrong. Updates per message are throttled to stay inside Slack's rate limits.
 */
export class DeployWatcher {
  private readonly pending = new Map<
    string,
    { timer?: NodeJS.Timeout; last: number; running?: Promise<void> }
  >();
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly events: QueueEvents,
    private readonly store: DeployStore,
    private readonly chat: Chat,
    private readonly log: Logger,
    /** Where the sweep learns that a deploy's job failed or is gone (see `reconcileDeploy`). */
    private readonly jobs?: JobLookup,
    private readonly minIntervalMs = 1_000,
    private readonly sweepMs = 15_000,
  ) {}

  /** Deploys whose message has an update queued or under way. */
  private readonly inFlight = new Set<string>();

  /** Set by `followRollouts`: how the sweep queues a rollout's next batch. */
  private rollouts?: RolloutDeps;

  /**
   * Deploys that finished while no bot was listening still show their last progress in Slack:
   * on start (and every `sweepMs` after), render the final state of recent ones that were never
   * rendered final.
   */
  async catchUp(perList = 5): Promise<number> {
    const stale: string[] = [];
    for (const id of await this.store.recentIds(perList)) {
      // An update of this message is under way (Slack may be retrying it): the next sweep looks again.
      if (this.inFlight.has(id)) continue;
      let view = await this.view(id);
      if (!view || view.record.meta.rollbackOf) continue;
      if (!isFinished(view) && (await this.reconcile(view.record))) view = await this.view(id);
      if (!view?.record.meta.message || !isFinished(view)) continue;
      if (await this.store.isRendered(id, fingerprint(render(view)))) continue;
      stale.push(id);
    }
    // Side by side: one message whose updates Slack keeps refusing must not hold up the others.
    // Waited for a while, not for ever: an update Slack holds up finishes on its own.
    let bounded: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(stale.map((id) => this.inOrder(id))),
      new Promise((r) => {
        bounded = setTimeout(r, Math.min(this.sweepMs, CATCH_UP_WAIT_MS));
      }),
    ]);
    clearTimeout(bounded);
    if (stale.length > 0) this.log.info({ updated: stale.length }, "deploy messages brought up to date");
    return stale.length;
  }

  start(): void {
    const on =
      (final: boolean) =>
      ({ jobId }: { jobId: string }) => {
        const match = JOB_ID.exec(jobId);
        if (match) this.schedule(match[1] as string, final);
      };
    this.events.on("progress", on(false));
    this.events.on("active", on(false));
    // The outcome is what the requester waits for: it is shown at once, not after the throttle.
    this.events.on("completed", on(true));
    // BullMQ fails a stalled job with no code of ours running: the record must learn it here.
    this.events.on("failed", ({ jobId }) => {
      const match = JOB_ID.exec(jobId);
      if (!match) return;
      const deployId = match[1] as string;
      void this.store
        .get(deployId)
        .then((record) => record && this.reconcile(record))
        .catch((err) =>
          this.log.warn({ deployId, err: errorMessage(err) }, "could not reconcile a failed deploy"),
        )
        .finally(() => this.schedule(deployId, true));
    });
    // An update that Slack or Redis refused, or an event lost while Redis restarted, would leave
    // a finished deploy's message saying "Deploying" for good: sweep for those now and then.
    // One sweep at a time: a slow one (Slack retrying refused updates) is not joined by more.
    let sweeping = false;
    this.sweeper = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      this.catchUp(20)
        .catch((err) => this.log.warn({ err: errorMessage(err) }, "could not catch up deploy messages"))
        .finally(() => {
          sweeping = false;
        });
    }, this.sweepMs);
    this.sweeper.unref();
  }

  /** Lets the sweep move on rollouts whose worker died between two batches. */
  followRollouts(deps: RolloutDeps): void {
    this.rollouts = deps;
  }

  /** True when some host of the deploy was given its final state here. */
  private async reconcile(record: DeployRecord): Promise<boolean> {
    if (!this.jobs) return false;
    const { failed, succeeded } = await reconcileDeploy(this.store, record, this.jobs);
    if (failed.length > 0) {
      this.log.warn(
        { deployId: record.meta.id, hosts: failed },
        "deploy job ended without a final state; recorded it as failed",
      );
    }
    if (succeeded.length > 0) {
      this.log.warn(
        { deployId: record.meta.id, hosts: succeeded },
        "deploy job completed but its record's last write was lost; recorded it as succeeded",
      );
    }
    if (record.meta.rollout && this.rollouts) await advanceRollout(this.rollouts, record.meta.id);
    return failed.length + succeeded.length > 0;
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private schedule(deployId: string, final = false): void {
    const entry = this.pending.get(deployId) ?? { last: 0 };
    this.pending.set(deployId, entry);
    if (entry.timer && !final) return;
    clearTimeout(entry.timer);
    const wait = final ? 0 : Math.max(0, entry.last + this.minIntervalMs - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.last = Date.now();
      void this.inOrder(deployId);
    }, wait);
  }

  /**
   * Updates of one message run one after another, whoever asks (an event or the sweep): one that
   * read the record earlier must never land after one that read it later.
   */
  private inOrder(deployId: string): Promise<void> {
    const entry = this.pending.get(deployId) ?? { last: 0 };
    this.pending.set(deployId, entry);
    const previous = entry.running ?? Promise.resolve();
    this.inFlight.add(deployId);
    const running = previous.then(() => this.refresh(deployId));
    entry.running = running;
    void running.finally(() => {
      if (entry.running === running) this.inFlight.delete(deployId);
    });
    return running;
  }

  private async refresh(deployId: string): Promise<void> {
    try {
      const view = await this.view(deployId);
      // A rollback a failed rollout started is shown in the rollout's message.
      const origin = view?.record.meta.rollbackOf;
      if (origin) return this.inOrder(origin);
      if (!view?.record.meta.message) return;
      const message = render(view);
      await this.chat.update(view.record.meta.message, message);
      const finished = isFinished(view);
      // What the message shows now, final or not: an older update landing last is seen as stale.
      await this.store.markRendered(deployId, fingerprint(message));
      const entry = this.pending.get(deployId);
      if (finished && entry && !entry.timer) this.pending.delete(deployId);
    } catch (err) {
      this.log.warn({ deployId, err: errorMessage(err) }, "could not update the deploy message");
    }
  }

  /** A deploy with the rollback its failed rollout started, if any. */
  private async view(id: string): Promise<DeployView | undefined> {
    const record = await this.store.get(id);
    if (!record) return undefined;
    const rollback = record.rollbackId ? await this.store.get(record.rollbackId) : undefined;
    return { record, ...(rollback ? { rollback } : {}) };
  }
}

type DeployView = { record: DeployRecord; rollback?: DeployRecord };

const render = (view: DeployView): Message => renderDeploy(view.record, view.rollback);

/** How long a sweep waits for the updates it started before it ends. */
const CATCH_UP_WAIT_MS = 10_000;

function fingerprint(message: Message): string {
  return createHash("sha256").update(JSON.stringify(message)).digest("hex").slice(0, 16);
}

function isFinished({ record, rollback }: DeployView): boolean {
  return [record, ...(rollback ? [rollback] : [])].every((r) =>
    r.meta.hosts.every((h) => isFinal(r.hosts[h]?.state ?? "queued")),
  );
}
