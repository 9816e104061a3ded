import type { HostLocks } from "../../src/deploys/host-lock.js";
import { PROXY_LOCK } from "../../src/proxy/proxy-lock.js";

type Held = NonNullable<Awaited<ReturnType<HostLocks["tryAcquire"]>>>;

const chains = new Map<string, Promise<unknown>>();
const LOCK_WAIT_MS = 60_000;

/**
 * Runs `fn` alone for one proxy: its routes are read, changed and written back, and two deploys
 * of different projects on the same host must not each write back a copy missing the other's
 * change. Serialised in this process, and across workers through the Redis lock when given.
 */
export async function withProxyLock<T>(
  key: string,
  locks: HostLocks | undefined,
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(async () => {
      const held = locks ? await acquireWithin(locks, key, label, LOCK_WAIT_MS) : undefined;
      if (locks && !held)
        throw new Error(`another worker kept the proxy routes of ${key} busy for a minute; try again`);
      try {
        return await fn();
      } finally {
        await held?.release();
      }
    });
  chains.set(key, run);
  try {
    return await run;
  } finally {
    if (chains.get(key) === run) chains.delete(key);
  }
}

/**
 * A route change holds the lock for a second or two, so waiting here (unlike a deploy waiting
 * for its host, which parks its job) costs little; deploys themselves never wait in a slot.
 */
async function acquireWithin(
  locks: HostLocks,
  key: string,
  label: string,
  waitMs: number,
): Promise<Held | undefined> {
  const deadline = Date.now() + waitMs;
  while (true) {
    const held = await locks.tryAcquire(PROXY_LOCK.project, PROXY_LOCK.env, key, label);
    if (held || Date.now() > deadline) return held;
    await new Promise((r) => setTimeout(r, 100));
  }
}
