/**
 * An object that stands for whatever `current()` returns at each use: adapters built once (the
 * Bolt app, the shell) keep one reference while the core behind it is rebuilt for a new fleet.
 */
export function forwardTo<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    has: (_target, key) => Reflect.has(current(), key),
  });
}
