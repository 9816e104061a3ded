import type { Redis } from "ioredis";

const TTL_MS = 10 * 60_000;

/**
 * The bot marks a container before it stops or removes it on purpose, so the monitor can tell
 * a deliberate stop from a crash or a `docker kill` by hand. Marks expire on their own.
 */
export class StopIntents {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  private key(host: string, containerId: string): string {
    return `${this.prefix}:stop-intent:${host}:${containerId}`;
  }

  async mark(host: string, containerId: string, reason: string): Promise<void> {
    await this.redis.set(this.key(host, containerId), reason, "PX", TTL_MS);
  }

  /** The reason the bot gave, or undefined if nobody here meant to stop it. */
  async reason(host: string, containerId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(host, containerId))) ?? undefined;
  }
}
