import type { Redis } from "ioredis";

/**
 * Project+env+host combinations a user stopped with `/stop`: the monitor does not report their
 * container missing until `/start`, `/restart` or a deploy runs it again.
 */
export class StoppedMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  private key(project: string, env: string, host: string): string {
    return `${this.prefix}:stopped:${project}:${env}:${host}`;
  }

  async set(project: string, env: string, host: string, by: string): Promise<void> {
    await this.redis.set(this.key(project, env, host), by);
  }

  async clear(project: string, env: string, host: string): Promise<void> {
    await this.redis.del(this.key(project, env, host));
  }

  async isSet(project: string, env: string, host: string): Promise<boolean> {
    return (await this.redis.exists(this.key(project, env, host))) === 1;
  }
}
