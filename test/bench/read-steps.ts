import { QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { median } from "./figures.js";

/** Where the time of one host-read command went, in ms, from the signed command to its reply. */
export type ReadSteps = {
  /** HTTP, signature, ack, redelivery claim, plan, access check: until the first read job is queued. */
  toQueued: number;
  /** Until a worker took the first job. */
  toWorker: number;
  /** From then until the last host's read was done (the Docker calls, in parallel). */
  inWorker: number;
  /** From that to the reply at the stand-in: the event to the bot, removing the jobs, render, POST. */
  toReply: number;
};

/**
 * Reads the queue's own event stream (its ids are Redis's clock, the machine's): when each host
 * read job was added, taken and finished, to split a command's time into steps.
 */
export class StepClock {
  private readonly seen: { event: string; at: number }[] = [];
  private readonly events: QueueEvents;
  /** BullMQ leaves a connection it was given open when it closes: this one is closed here. */
  private readonly redis: Redis;

  constructor(redisUrl: string, prefix: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.events = new QueueEvents(QUEUE_NAME, { connection: this.redis, prefix });
    for (const event of ["added", "active", "completed"] as const) {
      this.events.on(event, ({ jobId }: { jobId: string }, id: string) => {
        if (jobId.startsWith("read-")) this.seen.push({ event, at: Number(id.split("-")[0]) });
      });
    }
  }

  ready(): Promise<void> {
    return this.events.waitUntilReady().then(() => undefined);
  }

  /** The steps of the command sent at `t0` and answered at `replyAt`, which read `jobs` hosts. */
  async steps(t0: number, replyAt: number, jobs: number): Promise<ReadSteps | undefined> {
    const inRound = () => this.seen.filter((e) => e.at >= t0 && e.at <= replyAt);
    const deadline = Date.now() + 2_000;
    while (inRound().filter((e) => e.event === "completed").length < jobs && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const at = (event: string) =>
      inRound()
        .filter((e) => e.event === event)
        .map((e) => e.at);
    const [added, active, completed] = [at("added"), at("active"), at("completed")];
    if (completed.length < jobs || added.length === 0 || active.length === 0) return undefined;
    const firstAdded = Math.min(...added);
    const firstActive = Math.min(...active);
    const lastDone = Math.max(...completed);
    return {
      toQueued: firstAdded - t0,
      toWorker: firstActive - firstAdded,
      inWorker: lastDone - firstActive,
      toReply: replyAt - lastDone,
    };
  }

  async close(): Promise<void> {
    await this.events.close();
    this.redis.disconnect();
  }
}

/** The median of each step over the rounds that could be split. */
export function medianSteps(all: readonly ReadSteps[]): ReadSteps | undefined {
  if (all.length === 0) return undefined;
  const of = (k: keyof ReadSteps) => Math.round(median(all.map((s) => s[k])));
  return {
    toQueued: of("toQueued"),
    toWorker: of("toWorker"),
    inWorker: of("inWorker"),
    toReply: of("toReply"),
  };
}
