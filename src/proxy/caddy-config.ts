import { DNS_REFRESH_MS } from "./live-names.js";
import type { ProxyRoute, ProxyState } from "./routes.js";

/** Seconds a client is told to wait before retrying while a project is in maintenance. */
export const RETRY_AFTER_SECONDS = 60;

type Json = Record<string, unknown>;

function handler(route: ProxyRoute): Json {
  if (route.maintenance) {
    return {
      handler: "static_response",
      status_code: 503,
      headers: {
        "Retry-After": [String(RETRY_AFTER_SECONDS)],
        "Content-Type": ["text/plain; charset=utf-8"],
      },
      body: `${route.maintenance.message}\n`,
    };
  }
  return {
    handler: "reverse_proxy",
    dynamic_upstreams: upstreamSource(route.upstreams),
    // Retries a dial that finds no container for a moment (a live name between two renames, a
    // replica restarting); never a request that reached the app.
    load_balancing: {
      selection_policy: { policy: "round_robin" },
      try_duration: "2s",
      try_interval: "50ms",
    },
  };
}

/**
 * Upstreams looked up in Docker's DNS, not fixed in the config: a deploy switches by renaming
 * containers (see live-names.ts) and no reload happens. Caddy keeps an answer for the refresh
 * interval and keys its connections by address, so the old containers stop getting new requests
 * within that interval, while their requests in flight finish.
 */
function upstreamSource(upstreams: readonly string[]): Json {
  const sources = upstreams.map((dial) => {
    const at = dial.lastIndexOf(":");
    return {
      source: "a",
      name: dial.slice(0, at),
      port: dial.slice(at + 1),
      refresh: `${DNS_REFRESH_MS}ms`,
    };
  });
  return sources.length === 1 ? (sources[0] as Json) : { source: "multi", sources };
}

function caddyRoute(route: ProxyRoute): Json {
  return {
    ...(route.hosts.length > 0 ? { match: [{ host: route.hosts }] } : {}),
    handle: [handler(route)],
    terminal: true,
  };
}

const NO_SITE: Json = {
  handle: [
    { handler: "static_response", status_code: 404, body: "no site for this host name on this port\n" },
  ],
};

/**
 * The whole Caddy JSON config for one host's proxy: a server per port; on each, the routes with
 * host names first (sorted, so the same state always renders the same config), then the one
 * without host names, else a 404. Plain HTTP servers have automatic HTTPS off; TLS servers get
 * certificates for their host names from Caddy's internal CA or from ACME.
 */
export function caddyConfig(state: ProxyState): Json {
  const byPort = new Map<number, [string, ProxyRoute][]>();
  for (const entry of Object.entries(state.routes).sort(([a], [b]) => a.localeCompare(b))) {
    byPort.set(entry[1].port, [...(byPort.get(entry[1].port) ?? []), entry]);
  }
  const servers: Record<string, Json> = {};
  const internalHosts: string[] = [];
  for (const [port, entries] of [...byPort].sort(([a], [b]) => a - b)) {
    const routes = entries.map(([, r]) => r);
    const named = routes.filter((r) => r.hosts.length > 0);
    const fallback = routes.find((r) => r.hosts.length === 0);
    const tls = routes.some((r) => r.tls !== false);
    for (const r of routes) if (r.tls === "internal") internalHosts.push(...r.hosts);
    servers[`port${port}`] = {
      listen: [`:${port}`],
      routes: [...named.map(caddyRoute), fallback ? caddyRoute(fallback) : NO_SITE],
      ...(tls
        ? { tls_connection_policies: [{}], automatic_https: { disable_redirects: true } }
        : { automatic_https: { disable: true } }),
    };
  }
  return {
    admin: { listen: "localhost:2019" },
    apps: {
      http: { servers },
      ...(internalHosts.length > 0
        ? {
            tls: {
              automation: { policies: [{ subjects: internalHosts, issuers: [{ module: "internal" }] }] },
            },
          }
        : {}),
    },
  };
}
