import type { Redis } from "ioredis";

/** A registry retries a notification for hours when it gets no answer; remember a push a day. */
const REMEMBER_SECONDS = 24 * 3600;

/**
 * The registry delivers at least once (it retries until it gets a 2xx, and several bot replicas
 * may answer): a push is announced only by whoever claims it first, in Redis.
 */
export class PushClaims {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(key: string): string {
    return `${this.prefix}:registry-push:${key}`;
  }

  /** True for the first claim of `key`. */
  async claim(key: string): Promise<boolean> {
    return (await this.redis.set(this.key(key), "1", "EX", REMEMBER_SECONDS, "NX")) === "OK";
  }

  /** Gives a claim back when its message could not be posted, so the registry's retry posts it. */
  async release(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }
}
