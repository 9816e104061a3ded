import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { HostLocks } from "../../src/deploys/host-lock.js";
import type { DockerHosts } from "../../src/docker/connect.js";
import { onHost } from "../../src/docker/errors.js";
import type { Fleet } from "../../src/fleet/schema.js";
import {
  defaultMaintenanceMessage,
  type MaintenanceResult,
  maintenanceJobSchema,
} from "../../src/jobs/schemas.js";
import type { MaintenanceMarks } from "../../src/proxy/maintenance-marks.js";
import { type ProxyRoute, routeKey } from "../../src/proxy/routes.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { notInFleet } from "../not-in-fleet.js";
import { applyRoutes, readRoutes } from "./apply-routes.js";
import { proxyOfFleet } from "./deploy-proxy.js";
import { ensureProxy } from "./ensure-proxy.js";
import { withProxyLock } from "./host-mutex.js";

export type MaintenanceDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  registry: RegistryClient;
  marks: MaintenanceMarks;
  locks?: HostLocks;
  log: Logger;
};

/**
 * Switches a project+env's route on one host's proxy to a 503 with the message, or back to its
 * containers. The route keeps its upstreams meanwhile, so `off` (or a deploy, which keeps the
 * maintenance) needs nothing but the route; a route that only ever served maintenance goes away.
 */
export async function processMaintenance(job: Job, deps: MaintenanceDeps): Promise<MaintenanceResult> {
  const parsed = maintenanceJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid maintenance job: ${parsed.error.issues[0]?.message}`);
  const { on, project, env, host, requestedBy } = parsed.data;
  const proxy = deps.fleet.projects[project]?.proxy;
  if (!deps.fleet.hosts[host] || !deps.fleet.projects[project]) throw notInFleet(host, project);
  if (!proxy)
    throw new UnrecoverableError(`${project} is not behind the proxy (no proxy: in the fleet file)`);
  const ofFleet = proxyOfFleet(deps.fleet, deps.registry);
  const log = deps.log.child({ host, project, env, maintenance: on });
  const key = routeKey(project, env);
  const message = parsed.data.message ?? defaultMaintenanceMessage(project);
  const changed = await withProxyLock(`${host}/${ofFleet.settings.name}`, deps.locks, job.id ?? key, () =>
    onHost(host, async () => {
      const container = await ensureProxy({ ...ofFleet, docker: deps.hosts.get(host), log });
      const state = await readRoutes(container);
      const before = state.routes[key];
      const routes = { ...state.routes };
      if (on) {
        if (before?.maintenance?.message === message) return false;
        const base: ProxyRoute = before ?? {
          port: proxy.port,
          hosts: proxy.hosts,
          tls: proxy.tls,
          upstreams: [],
        };
        routes[key] = { ...base, maintenance: { message } };
      } else {
        if (!before?.maintenance) return false;
        const { maintenance: _, ...serving } = before;
        if (serving.upstreams.length > 0) routes[key] = serving;
        else delete routes[key];
      }
      const applied = await applyRoutes(container, { routes });
      if (!applied.ok) throw new UnrecoverableError(applied.reason);
      return true;
    }),
  );
  // After the proxy: a mark that says "on" must never show while the proxy still serves.
  if (on)
    await deps.marks.set(project, env, host, {
      message,
      by: requestedBy,
    });
  else await deps.marks.clear(project, env, host);
  log.info({ changed }, on ? "maintenance on" : "maintenance off");
  return { host, on, changed };
}
