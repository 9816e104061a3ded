import { z } from "zod";

/**
 * The fleet file's proxy keys, kept apart from schema.ts: a project's `proxy:` (zero-downtime
 * deploys behind the host's Caddy) and the fleet's top-level `proxy:` (which Caddy to run).
 * `duration` is passed in so that durations read the same everywhere in the fleet file.
 */
export function proxySchemas<D extends z.ZodType<number, string | number>>(duration: D) {
  const project = z.strictObject({
    /** The host port the proxy listens on for this project (several projects may share it by host name). */
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .describe("Host port the proxy listens on for this project (projects may share one by host name)"),
    /** The port the app listens on inside its container. */
    target: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .default(80)
      .describe("Port the app listens on inside its container (default 80)"),
    /** Host names routed to this project; none = every request on the port. */
    hosts: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?$/, "write a host name, e.g. a1.example.com"),
      )
      .default([])
      .describe("Host names routed to this project; none = every request on the port"),
    /** Asked through the proxy's network before the switch; must answer 2xx. */
    healthPath: z
      .string()
      .regex(/^\/[^\s]*$/, "write a path starting with /, e.g. /up")
      .default("/up")
      .describe("Path asked through the proxy's network before the switch; must answer 2xx (default /up)"),
    /** How long the old container keeps running after the switch, for requests in flight. */
    drain: duration
      .default(30_000 as never)
      .describe(
        "How long the old container keeps running after the switch, for requests in flight (default 30s)",
      ),
    /** false: plain HTTP; internal: Caddy's own CA (tests, private networks); auto: ACME certificates. */
    tls: z
      .union([z.literal(false), z.literal("internal"), z.literal("auto")])
      .default(false)
      .describe("false: plain HTTP; internal: Caddy's own CA; auto: ACME certificates"),
  });
  const fleet = z.strictObject({
    image: z.string().min(1).default("caddy:2").describe("The proxy's image (default caddy:2)"),
    /** The proxy container's name on every host. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a container name uses letters, digits, _ . -")
      .default("dockops-proxy")
      .describe("The proxy container's name on every host (default dockops-proxy)"),
    /** The user-defined Docker network the proxy and the apps behind it share. */
    network: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a network name uses letters, digits, _ . -")
      .default("dockops")
      .describe("The Docker network the proxy and the apps behind it share (default dockops)"),
  });
  return { project, fleet };
}

type ProjectProxyShape = { port: number; hosts: string[]; tls: false | "internal" | "auto" };
type Issue = { path: (string | number)[]; message: string };

/**
 * What one project's keys cannot say alone: a project behind the proxy publishes no ports of its
 * own, and projects sharing a port tell their traffic apart by host name and agree on TLS.
 */
export function proxyIssues(
  projects: Record<
    string,
    { ports: string[]; network?: string | undefined; proxy?: ProjectProxyShape | undefined }
  >,
): Issue[] {
  const issues: Issue[] = [];
  const byPort = new Map<number, { name: string; proxy: ProjectProxyShape }[]>();
  for (const [name, spec] of Object.entries(projects)) {
    if (!spec.proxy) continue;
    if (spec.ports.length > 0) {
      issues.push({
        path: ["projects", name, "ports"],
        message: `a project behind the proxy publishes no ports itself; remove ports (the proxy listens on ${spec.proxy.port})`,
      });
    }
    if (spec.network !== undefined) {
      issues.push({
        path: ["projects", name, "network"],
        message:
          "a project behind the proxy runs on the proxy's network; remove network (or set the top-level proxy.network)",
      });
    }
    if (spec.proxy.tls !== false && spec.proxy.hosts.length === 0) {
      issues.push({
        path: ["projects", name, "proxy", "hosts"],
        message: `tls: ${spec.proxy.tls} needs the host names to get certificates for`,
      });
    }
    byPort.set(spec.proxy.port, [...(byPort.get(spec.proxy.port) ?? []), { name, proxy: spec.proxy }]);
  }
  for (const [port, sharing] of byPort) {
    if (sharing.length < 2) continue;
    const names = sharing.map((s) => s.name).join(", ");
    const seen = new Map<string, string>();
    for (const { name, proxy } of sharing) {
      if (proxy.hosts.length === 0 && sharing.some((s) => s.name !== name && s.proxy.hosts.length === 0)) {
        issues.push({
          path: ["projects", name, "proxy", "hosts"],
          message: `port ${port} is shared by ${names}: only one of them may take every host name; list the host names that reach ${name}`,
        });
      }
      if (proxy.tls !== (sharing[0]?.proxy.tls ?? false)) {
        issues.push({
          path: ["projects", name, "proxy", "tls"],
          message: `port ${port} is shared by ${names}: they need the same tls setting`,
        });
      }
      for (const host of proxy.hosts) {
        const other = seen.get(host.toLowerCase());
        if (other) {
          issues.push({
            path: ["projects", name, "proxy", "hosts"],
            message: `${host} on port ${port} already goes to ${other}`,
          });
        }
        seen.set(host.toLowerCase(), name);
      }
    }
  }
  return issues;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether proxyIssues can read the projects although other parts of the file are wrong. */
export function proxyCheckable(projects: unknown): boolean {
  if (!isObject(projects)) return false;
  return Object.values(projects).every((p) => {
    if (!isObject(p) || !Array.isArray(p.ports)) return false;
    const proxy = p.proxy;
    if (proxy === undefined) return true;
    return isObject(proxy) && typeof proxy.port === "number" && Array.isArray(proxy.hosts);
  });
}
