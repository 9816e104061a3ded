import type { Redis } from "ioredis";
import { z } from "zod";

// Read and delete in one step: a lock placed by someone else between the two is never removed.
const TAKE = `local v = redis.call("get", KEYS[1]) if v then redis.call("del", KEYS[1]) end return v`;

const lockSchema = z.object({ by: z.string(), at: z.number(), reason: z.string() });
export type EnvLock = z.infer<typeof lockSchema>;

/**
 * `/lock`: a hold on one project in one environment that a person places and lifts. It has no
 * expiry on purpose (a freeze lasts until someone says it is over), unlike the per-host deploy
 * lock, which only serialises deploys and frees itself.
 */
export class EnvLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  private key(project: string, env: string): string {
    return `${this.prefix}:env-lock:${project}:${env}`;
  }

  async get(project: string, env: string): Promise<EnvLock | undefined> {
    const raw = await this.redis.get(this.key(project, env));
    return raw ? lockSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** Places the lock unless one is there; returns the lock that holds afterwards and whether it is ours. */
  async lock(project: string, env: string, lock: EnvLock): Promise<{ placed: boolean; lock: EnvLock }> {
    const ok = await this.redis.set(this.key(project, env), JSON.stringify(lock), "NX");
    if (ok === "OK") return { placed: true, lock };
    const held = await this.get(project, env);
    return held ? { placed: false, lock: held } : this.lock(project, env, lock);
  }

  /** The lock that was lifted, if there was one. */
  async unlock(project: string, env: string): Promise<EnvLock | undefined> {
    const raw = (await this.redis.eval(TAKE, 1, this.key(project, env))) as string | null;
    return raw ? lockSchema.parse(JSON.parse(raw)) : undefined;
  }
}

/** "locked by <@U1> since 2026-11-25 17:05 UTC: migrating the database" */
export function describeLock(lock: EnvLock): string {
  const when = new Date(lock.at).toISOString().slice(0, 16).replace("T", " ");
  return `locked by <@${lock.by}> since ${when} UTC: ${lock.reason}`;
}
