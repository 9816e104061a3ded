import type { FleetInput } from "../../src/fleet/schema.js";

/**
 * The `web` image twice at v1 on one host: `plain` publishing `plainPort`, `proxied` behind the
 * host's Caddy on `proxyPort` (drain 1 s); the pair the deploy and proxy latency benchmarks
 * compare, so only the proxy differs between them.
 */
export function plainAndProxied(
  names: { plain: string; proxied: string },
  ports: { plain: number; proxy: number },
): FleetInput["projects"] {
  const web = { image: "web", tag: "v1", verify: "0s", stopTimeout: "2s" };
  return {
    [names.plain]: { ...web, ports: [`${ports.plain}:80`] },
    [names.proxied]: {
      ...web,
      proxy: { port: ports.proxy, target: 80, healthPath: "/healthz", drain: "1s" },
    },
  };
}
