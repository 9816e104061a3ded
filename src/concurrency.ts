/** Maps with at most `limit` calls in flight, keeping the input order in the output. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export type AdaptiveOptions = {
  /** The most tasks at once while the event loop keeps up. */
  max: number;
  /** Event-loop delay past which fewer tasks are let in. */
  lagMs: number;
  /** How often the delay is read (and the limit moved). */
  everyMs?: number;
};

/**
 * A limiter whose limit follows the event loop: while the process keeps up, one more task may
 * run each period (up to `max`); when a period's delay passes `lagMs`, the limit halves (down to
 * one). Work then waits in line instead of in the event loop, where it would delay everything
 * else the process does, such as acknowledging the next request.
 */
export function adaptiveLimiter(opts: AdaptiveOptions): {
  run: <T>(task: () => Promise<T>) => Promise<T>;
  limit: () => number;
} {
  const every = opts.everyMs ?? 50;
  let limit = opts.max;
  let active = 0;
  const waiting: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let expected = 0;
  const admit = () => {
    while (active < limit && waiting.length > 0) {
      active++;
      waiting.shift()?.();
    }
  };
  const tick = () => {
    const now = performance.now();
    const lag = now - expected;
    expected = now + every;
    limit = lag > opts.lagMs ? Math.max(1, Math.floor(limit / 2)) : Math.min(opts.max, limit + 1);
    admit();
  };
  // The delay is read only while there is work, so an idle process has no timer running.
  const watch = () => {
    if (timer) return;
    expected = performance.now() + every;
    timer = setInterval(tick, every);
    timer.unref();
  };
  const settle = () => {
    if (active > 0 || waiting.length > 0 || !timer) return;
    clearInterval(timer);
    timer = undefined;
    limit = opts.max;
  };
  return {
    run: async (task) => {
      watch();
      if (active < limit && waiting.length === 0) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        active--;
        admit();
        settle();
      }
    },
    limit: () => limit,
  };
}
