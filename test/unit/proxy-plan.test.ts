import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { tarFiles, untarFiles } from "../../src/docker/tar.js";
import { type FleetInput, fleetSchema, proxySettings } from "../../src/fleet/schema.js";
import { caddyConfig } from "../../src/proxy/caddy-config.js";
import { isLiveName, liveUpstreams } from "../../src/proxy/live-names.js";
import { proxyContainerSpec, publishedPorts } from "../../src/proxy/proxy-container.js";
import {
  conflictingRoute,
  type ProxyRoute,
  parseState,
  routePorts,
  sameRoute,
} from "../../src/proxy/routes.js";
import { behindProxy } from "../../worker/proxy/deploy-proxy.js";

const base: FleetInput = {
  registry: { url: "registry.example.com" },
  hosts: { serverA: { docker: "unix:///var/run/docker.sock" } },
  environments: { beta: { hosts: ["serverA"] } },
  projects: {},
};

function issues(projects: FleetInput["projects"]): string[] {
  const result = fleetSchema.safeParse({ ...base, projects });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const route = (over: Partial<ProxyRoute> = {}): ProxyRoute => ({
  port: 80,
  hosts: [],
  tls: false,
  upstreams: ["a1-beta-d1:80"],
  ...over,
});

describe("fleet file proxy keys", () => {
  it("fills in the defaults of a project's proxy and of the fleet's", () => {
    const fleet = fleetSchema.parse({
      ...base,
      projects: { a1: { image: "team/a1", proxy: { port: 8080 } } },
    });
    expect(fleet.projects.a1?.proxy).toEqual({
      port: 8080,
      target: 80,
      hosts: [],
      healthPath: "/up",
      drain: 30_000,
      tls: false,
    });
    expect(proxySettings(fleet)).toEqual({ image: "caddy:2", name: "dockops-proxy", network: "dockops" });
    expect(fleet.proxy).toBeUndefined();
  });

  it("refuses ports or a network next to proxy, and says what to do", () => {
    expect(
      issues({ a1: { image: "team/a1", ports: ["8080:80"], network: "web", proxy: { port: 8080 } } }),
    ).toEqual([
      "projects.a1.ports: a project behind the proxy publishes no ports itself; remove ports (the proxy listens on 8080)",
      "projects.a1.network: a project behind the proxy runs on the proxy's network; remove network (or set the top-level proxy.network)",
    ]);
  });

  it("lets projects share a port by host name, one of them taking the rest, with one tls setting", () => {
    expect(
      issues({
        a1: { image: "team/a1", proxy: { port: 80, hosts: ["a1.example.com"] } },
        b1: { image: "team/b1", proxy: { port: 80 } },
      }),
    ).toEqual([]);
    expect(
      issues({
        a1: { image: "team/a1", proxy: { port: 80 } },
        b1: { image: "team/b1", proxy: { port: 80 } },
      }),
    ).toContain(
      "projects.b1.proxy.hosts: port 80 is shared by a1, b1: only one of them may take every host name; list the host names that reach b1",
    );
    expect(
      issues({
        a1: { image: "team/a1", proxy: { port: 443, hosts: ["x.example.com"], tls: "auto" } },
        b1: { image: "team/b1", proxy: { port: 443, hosts: ["X.example.com"], tls: "internal" } },
      }),
    ).toEqual([
      "projects.b1.proxy.tls: port 443 is shared by a1, b1: they need the same tls setting",
      "projects.b1.proxy.hosts: X.example.com on port 443 already goes to a1",
    ]);
    expect(issues({ a1: { image: "team/a1", proxy: { port: 443, tls: "auto" } } })).toEqual([
      "projects.a1.proxy.hosts: tls: auto needs the host names to get certificates for",
    ]);
  });
});

describe("Caddy config", () => {
  it("renders plain HTTP routes by host name, the catch-all last, maintenance as a 503", () => {
    const config = caddyConfig({
      routes: {
        "web/beta": route({ upstreams: ["web-beta-live:80", "web-beta-live-r2:80"] }),
        "a1/beta": route({ hosts: ["a1.test"], upstreams: ["a1-beta-live:3000"] }),
        "b1/beta": route({ port: 8080, hosts: ["b1.test"], maintenance: { message: "back at 3pm" } }),
      },
    });
    const lookup = (name: string, port: string) => ({ source: "a", name, port, refresh: "1000ms" });
    const proxyTo = (sources: ReturnType<typeof lookup>[]) => ({
      handler: "reverse_proxy",
      dynamic_upstreams: sources.length === 1 ? sources[0] : { source: "multi", sources },
      load_balancing: {
        selection_policy: { policy: "round_robin" },
        try_duration: "2s",
        try_interval: "50ms",
      },
    });
    expect(config).toEqual({
      admin: { listen: "localhost:2019" },
      apps: {
        http: {
          servers: {
            port80: {
              listen: [":80"],
              routes: [
                {
                  match: [{ host: ["a1.test"] }],
                  handle: [proxyTo([lookup("a1-beta-live", "3000")])],
                  terminal: true,
                },
                {
                  handle: [proxyTo([lookup("web-beta-live", "80"), lookup("web-beta-live-r2", "80")])],
                  terminal: true,
                },
              ],
              automatic_https: { disable: true },
            },
            port8080: {
              listen: [":8080"],
              routes: [
                {
                  match: [{ host: ["b1.test"] }],
                  handle: [
                    {
                      handler: "static_response",
                      status_code: 503,
                      headers: { "Retry-After": ["60"], "Content-Type": ["text/plain; charset=utf-8"] },
                      body: "back at 3pm\n",
                    },
                  ],
                  terminal: true,
                },
                {
                  handle: [
                    {
                      handler: "static_response",
                      status_code: 404,
                      body: "no site for this host name on this port\n",
                    },
                  ],
                },
              ],
              automatic_https: { disable: true },
            },
          },
        },
      },
    });
  });

  it("turns TLS on for tls routes, with Caddy's internal CA for internal", () => {
    const config = caddyConfig({
      routes: { "a1/beta": route({ port: 443, hosts: ["a1.test"], tls: "internal" }) },
    });
    const apps = config.apps as Record<string, Record<string, unknown>>;
    const servers = apps.http?.servers as Record<string, Record<string, unknown>>;
    expect(servers.port443).toMatchObject({
      tls_connection_policies: [{}],
      automatic_https: { disable_redirects: true },
    });
    expect(apps.tls).toEqual({
      automation: { policies: [{ subjects: ["a1.test"], issuers: [{ module: "internal" }] }] },
    });
  });
});

describe("proxy routes", () => {
  it("finds the route that would take the same requests", () => {
    const state = { routes: { "a1/beta": route({ hosts: ["a1.test"] }), "web/beta": route() } };
    expect(conflictingRoute(state, "b1/beta", route({ hosts: ["A1.test"] }))).toBe("a1/beta");
    expect(conflictingRoute(state, "b1/beta", route())).toBe("web/beta");
    expect(conflictingRoute(state, "web/beta", route())).toBeUndefined();
    expect(conflictingRoute(state, "b1/beta", route({ hosts: ["b1.test"] }))).toBeUndefined();
    expect(conflictingRoute(state, "b1/beta", route({ port: 81 }))).toBeUndefined();
    expect(routePorts({ routes: { x: route({ port: 8080 }), y: route(), z: route() } })).toEqual([80, 8080]);
  });

  it("reads an absent state as empty and a damaged one as unusable", () => {
    expect(parseState(undefined)).toEqual({ routes: {} });
    expect(parseState('{"routes":{"a/b":{"port":1}}}')).toEqual({ routes: { "a/b": { port: 1 } } });
    expect(parseState("{not json")).toBeUndefined();
    expect(parseState("null")).toBeUndefined();
  });
});

describe("proxy containers", () => {
  it("creates the proxy with restart always, its ports, on the proxy network, resuming its last config", () => {
    const settings = { image: "caddy:2", name: "dockops-proxy", network: "dockops" };
    expect(proxyContainerSpec(settings, "caddy:2", [80, 443])).toEqual({
      name: "dockops-proxy",
      Image: "caddy:2",
      Cmd: ["caddy", "run", "--config", "/etc/caddy/dockops.json", "--resume"],
      Labels: { "dockops.proxy": "true", "dockops.proxy.ports": "80,443" },
      ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
      HostConfig: {
        PortBindings: { "80/tcp": [{ HostPort: "80" }], "443/tcp": [{ HostPort: "443" }] },
        RestartPolicy: { Name: "always" },
        NetworkMode: "dockops",
      },
    });
    expect(publishedPorts({ "dockops.proxy.ports": "80,443" })).toEqual([80, 443]);
    expect(publishedPorts({})).toEqual([]);
  });

  it("puts an app behind the proxy on its network with no ports; other apps stay as they are", () => {
    const fleet = fleetSchema.parse({
      ...base,
      proxy: { network: "edge" },
      projects: { a1: { image: "team/a1", proxy: { port: 80 } }, b1: { image: "team/b1", ports: ["81:80"] } },
    });
    expect(behindProxy(fleet.projects.a1 as never, fleet)).toMatchObject({ ports: [], network: "edge" });
    expect(behindProxy(fleet.projects.b1 as never, fleet)).toBe(fleet.projects.b1);
  });

  it("round-trips files through the tar Docker's archive API speaks", () => {
    const archive = tarFiles({ "dockops.json": '{"a":1}', "routes.json": "x".repeat(1000) });
    expect(archive.length % 512).toBe(0);
    expect(untarFiles(archive)).toEqual({ "dockops.json": '{"a":1}', "routes.json": "x".repeat(1000) });
  });
});

describe("the proxy page's example", () => {
  it("is a valid fleet file fragment with the values it claims", () => {
    const page = readFileSync(new URL("../../docs/proxy.md", import.meta.url), "utf8");
    const block = /```yaml\n([\s\S]*?)```/.exec(page)?.[1] ?? "";
    const fragment = parseYaml(block) as Pick<FleetInput, "proxy" | "projects">;
    const fleet = fleetSchema.parse({ ...base, ...fragment });
    expect(proxySettings(fleet)).toEqual({ image: "caddy:2", name: "dockops-proxy", network: "dockops" });
    expect(fleet.projects.a1?.proxy).toEqual({
      port: 80,
      target: 3000,
      hosts: ["a1.example.com"],
      healthPath: "/up",
      drain: 30_000,
      tls: false,
    });
    expect(fleet.projects.b1?.proxy?.drain).toBe(10_000);
  });
});

describe("live names", () => {
  it("names replica 1 plainly and the others by number, and tells them apart from other names", () => {
    expect(liveUpstreams("a1", "beta", 3, 8080)).toEqual([
      "a1-beta-live:8080",
      "a1-beta-live-r2:8080",
      "a1-beta-live-r3:8080",
    ]);
    expect(isLiveName("a1-beta-live", "a1", "beta")).toBe(true);
    expect(isLiveName("a1-beta-live-r12", "a1", "beta")).toBe(true);
    expect(isLiveName("a1-beta-live-rx", "a1", "beta")).toBe(false);
    expect(isLiveName("a1-beta-m3k2", "a1", "beta")).toBe(false);
    expect(isLiveName("a1-beta-live", "a1", "prod")).toBe(false);
  });

  it("a route differs when anything Caddy renders differs, not otherwise", () => {
    const a = route({ upstreams: ["a1-beta-live:80"] });
    expect(sameRoute(a, { ...a })).toBe(true);
    expect(sameRoute(a, { ...a, upstreams: ["a1-beta-live:80", "a1-beta-live-r2:80"] })).toBe(false);
    expect(sameRoute(a, { ...a, maintenance: { message: "back soon" } })).toBe(false);
    expect(sameRoute(a, { ...a, hosts: ["x.test"] })).toBe(false);
  });
});
