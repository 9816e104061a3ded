import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

const TTL_MS = 15_000;
const RENEW_MS = 5_000;

// Renew or release only while the lock is still ours: another worker may hold it by now.
const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export type HeldLock = {
  release: () => Promise<void>;
  /** True once a renewal found the lock gone or someone else's: the holder must not go on. */
  lost: () => boolean;
  /** Asks Redis now (not at the next renewal) whether the lock is still this holder's. */
  held: () => Promise<boolean>;
};

/**
 * One deploy per project+env+host at a time. The lock has a short expiry that the holder renews
 * while it works, so a worker that dies frees it within seconds and no lock is ever stuck.
 */
export class HostLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
    private readonly ttlMs = TTL_MS,
  ) {}

  key(project: string, env: string, host: string): string {
    return `${this.prefix}:host-lock:${project}:${env}:${host}`;
  }

  /** Who holds the lock now (the holder's label), or undefined. */
  async holder(project: string, env: string, host: string): Promise<string | undefined> {
    const raw = await this.redis.get(this.key(project, env, host));
    return raw?.split(" ")[1];
  }

  async tryAcquire(project: string, env: string, host: string, label: string): Promise<HeldLock | undefined> {
    const key = this.key(project, env, host);
    const token = HostLocks.token(label);
    const ok = await this.redis.set(key, token, "PX", this.ttlMs, "NX");
    return ok === "OK" ? this.hold(key, token) : undefined;
  }

  /** A fresh lock value: random, so only its taker can renew or release it, and the holder's label. */
  static token(label: string): string {
    return `${randomBytes(8).toString("hex")} ${label}`;
  }

  get ttl(): number {
    return this.ttlMs;
  }

  /** Renews a lock just taken with `token` (by `tryAcquire` or a script) until it is released. */
  hold(key: string, token: string): HeldLock {
    let lost = false;
    // A failed call (Redis briefly away) is not a loss; only "not ours any more" is.
    const timer = setInterval(
      () =>
        void this.redis
          .eval(RENEW, 1, key, token, this.ttlMs)
          .then((renewed) => {
            if (Number(renewed) === 0) lost = true;
          })
          .catch(() => {}),
      Math.min(RENEW_MS, this.ttlMs / 3),
    );
    timer.unref();
    return {
      lost: () => lost,
      held: async () => {
        // Unknown (Redis briefly away) counts as held, as for a failed renewal.
        const value = await this.redis.get(key).catch(() => token);
        if (value !== token) lost = true;
        return !lost;
      },
      release: async () => {
        clearInterval(timer);
        await this.redis.eval(RELEASE, 1, key, token).catch(() => {});
      },
    };
  }
}
