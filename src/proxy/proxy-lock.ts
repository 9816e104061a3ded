/**
 * The Redis lock (a HostLocks entry) every worker holds while it changes a host's proxy: routes,
 * restart, upgrade, recreate. The monitor reads it too: a proxy that stops while it is held was
 * stopped on purpose.
 */
export const PROXY_LOCK = { project: "proxy", env: "routes" } as const;

/** The lock's third part, one per proxy container on a host. */
export const proxyLockKey = (host: string, name: string): string => `${host}/${name}`;
