import type { Redis } from "ioredis";

/** A cancel request outlives any build (builds give up after an hour). */
const KEEP_SECONDS = 2 * 3600;

/**
 * `/cancel` of a running build: the bot writes who asked, the worker building it checks every
 * second and stops the daemon's build. A running job cannot be removed from the queue, so the
 * request travels through Redis like every other word between bot and worker.
 */
export class BuildCancels {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:build-cancel:${jobId}`;
  }

  async request(jobId: string, by: string): Promise<void> {
    await this.redis.set(this.key(jobId), by, "EX", KEEP_SECONDS);
  }

  /** Who asked to cancel the build, if anyone did. */
  async requested(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(jobId))) ?? undefined;
  }
}
