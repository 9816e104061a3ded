import type { Redis } from "ioredis";
import { PROXY_LOCK, proxyLockKey } from "../proxy/proxy-lock.js";
import { HostLocks } from "./host-lock.js";

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

  /**
   * Whether a worker is working on the host's proxy right now (it holds the proxy lock for every
   * restart, upgrade, recreate and route change): whatever the proxy does meanwhile is meant.
   */
  async proxyBusy(host: string, proxyName: string): Promise<boolean> {
    const locks = new HostLocks(this.redis, this.prefix);
    return (
      (await locks.holder(PROXY_LOCK.project, PROXY_LOCK.env, proxyLockKey(host, proxyName))) !== undefined
    );
  }
}
