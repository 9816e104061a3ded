import type { Logger } from "pino";
import type { HostLocks } from "../../src/deploys/host-lock.js";
import type { DockerHosts } from "../../src/docker/connect.js";
import { type Fleet, type ProjectSpec, proxySettings } from "../../src/fleet/schema.js";
import type { DeployJob } from "../../src/jobs/schemas.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { type ProxySwap, prepareProxySwap } from "./proxy-swap.js";

export type DeployProxyDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  registry: RegistryClient;
  locks?: HostLocks;
};

/** What every job that touches a host's proxy needs to make sure it runs: see ensureProxy. */
export function proxyOfFleet(fleet: Fleet, registry: RegistryClient) {
  const settings = proxySettings(fleet);
  const ports = Object.values(fleet.projects).flatMap((p) => (p.proxy ? [p.proxy.port] : []));
  // The image may live in the fleet's own registry (as in the tests); Docker Hub needs no login.
  const auth = settings.image.startsWith(`${fleet.registry.url}/`) ? registry.authConfig() : undefined;
  return { settings, image: settings.image, ports, ...(auth ? { auth } : {}) };
}

/** The proxy part of one host's deploy, or undefined for a project that publishes its own ports. */
export function proxyForDeploy(
  job: DeployJob,
  deps: DeployProxyDeps,
  log: Logger,
): (() => Promise<ProxySwap>) | undefined {
  const proxy = deps.fleet.projects[job.project]?.proxy;
  if (!proxy) return undefined;
  const ofFleet = proxyOfFleet(deps.fleet, deps.registry);
  return () =>
    prepareProxySwap({
      docker: deps.hosts.get(job.host),
      host: job.host,
      project: job.project,
      env: job.env,
      deployId: job.deployId,
      proxy,
      ...ofFleet,
      ...(deps.locks ? { locks: deps.locks } : {}),
      log,
    });
}

/**
 * An app behind the proxy joins the proxy's network, where the proxy finds it by container name;
 * it publishes no host port (the schema refuses `ports` and `network` next to `proxy`).
 */
export function behindProxy(spec: ProjectSpec, fleet: Fleet): ProjectSpec {
  return spec.proxy ? { ...spec, ports: [], network: proxySettings(fleet).network } : spec;
}
