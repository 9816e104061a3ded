/**
 * What the proxy on one host routes, as the worker stores it next to Caddy's config (in the
 * proxy container), keyed by project and environment. The Caddy config is rendered from it.
 */
export type ProxyTls = false | "internal" | "auto";

export type ProxyRoute = {
  port: number;
  hosts: string[];
  tls: ProxyTls;
  /** host:port dial addresses of the app containers, by container name on the proxy network. */
  upstreams: string[];
  /** When set, the proxy answers 503 with this message instead of passing requests on. */
  maintenance?: { message: string };
};

export type ProxyState = { routes: Record<string, ProxyRoute> };

export function routeKey(project: string, env: string): string {
  return `${project}/${env}`;
}

/** Whether two routes render the same Caddy config (then no reload is needed). */
export function sameRoute(a: ProxyRoute, b: ProxyRoute): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    a.port === b.port &&
    a.tls === b.tls &&
    same(a.hosts, b.hosts) &&
    same(a.upstreams, b.upstreams) &&
    a.maintenance?.message === b.maintenance?.message
  );
}

/** Ports the routes need, in order. */
export function routePorts(state: ProxyState): number[] {
  return [...new Set(Object.values(state.routes).map((r) => r.port))].sort((a, b) => a - b);
}

/**
 * Another route on the same port that would take this route's requests: the same host name, or
 * both without host names. Returns its key, or undefined when the route can go in.
 */
export function conflictingRoute(state: ProxyState, key: string, route: ProxyRoute): string | undefined {
  const mine = new Set(route.hosts.map((h) => h.toLowerCase()));
  for (const [other, r] of Object.entries(state.routes)) {
    if (other === key || r.port !== route.port) continue;
    if (r.hosts.length === 0 && mine.size === 0) return other;
    if (r.hosts.some((h) => mine.has(h.toLowerCase()))) return other;
  }
  return undefined;
}

/**
 * Reads a stored state; an absent file is "no routes yet". A damaged one is undefined: reading
 * it as empty would drop every other project's route at the next reload.
 */
export function parseState(text: string | undefined): ProxyState | undefined {
  if (text === undefined) return { routes: {} };
  try {
    const parsed = JSON.parse(text) as Partial<ProxyState> | null;
    return parsed && typeof parsed.routes === "object" && parsed.routes !== null
      ? { routes: parsed.routes }
      : undefined;
  } catch {
    return undefined;
  }
}
