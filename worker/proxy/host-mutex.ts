import type { HostLocks } from "../../src/deploys/host-lock.js";

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
      const held = await locks?.acquire("proxy", "routes", key, label, { waitMs: LOCK_WAIT_MS });
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
