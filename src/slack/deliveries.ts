import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";

/** How long a claim may take before the delivery runs anyway (Redis is down). */
const CLAIM_WAIT_MS = 1_000;

/** Slack retries an unacknowledged event for about an hour (three retries); remember that long. */
const REMEMBER_SECONDS = 2 * 60 * 60;

/**
 * Slack delivers at least once: an envelope whose ack never reached Slack (a socket that dropped
 * mid-command, a slow answer) comes again, possibly to another bot replica. A delivery runs only
 * for whoever claims it first.
 */
export interface Deliveries {
  /** True for the first claim of `key`; false when it was already handled. */
  claim(key: string): Promise<boolean>;
}

/** Claims in Redis, so they hold across bot replicas and restarts. */
export class RedisDeliveries implements Deliveries {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async claim(key: string): Promise<boolean> {
    const set = await this.redis.set(
      `${this.prefix}:slack-delivery:${key}`,
      "1",
      "EX",
      REMEMBER_SECONDS,
      "NX",
    );
    return set === "OK";
  }
}

/** Claims in this process only (a bot without Redis, e.g. in unit tests). */
export class MemoryDeliveries implements Deliveries {
  private readonly seen = new Set<string>();

  async claim(key: string): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }
}

/**
 * What stays the same when Slack delivers the same thing again: a command's or interaction's
 * `trigger_id` (unique per invocation), an event's `event_id`.
 */
export function deliveryKey(body: unknown): string | undefined {
  const b = body as { trigger_id?: unknown; event_id?: unknown };
  if (typeof b.trigger_id === "string" && b.trigger_id) return `trigger:${b.trigger_id}`;
  if (typeof b.event_id === "string" && b.event_id) return `event:${b.event_id}`;
  return undefined;
}

/**
 * Acks, and tells whether this delivery is the one to run: false when the ack could not be sent
 * (the socket dropped; Slack delivers it again) or an earlier delivery already ran it.
 */
export async function ackOnce(
  ack: () => Promise<void>,
  body: unknown,
  deliveries: Deliveries,
  log: Logger,
): Promise<boolean> {
  try {
    await ack();
  } catch (err) {
    log.warn({ err: errorMessage(err) }, "could not ack; Slack will deliver it again");
    return false;
  }
  const key = deliveryKey(body);
  if (!key) return true;
  // Without the claim store the queue is down too: run it (its refusal says so) rather than lose
  // it, and do not keep the requester waiting for Redis to come back.
  let timer: NodeJS.Timeout | undefined;
  const unanswered = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), CLAIM_WAIT_MS);
  });
  const first = await Promise.race([
    deliveries.claim(key).catch((err) => {
      log.warn({ err: errorMessage(err) }, "cannot check for a redelivery");
      return true;
    }),
    unanswered,
  ]);
  clearTimeout(timer);
  if (!first) log.info({ key }, "Slack delivered this again; it already ran");
  return first;
}
