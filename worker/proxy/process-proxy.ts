import { type Job, UnrecoverableError } from "bullmq";
import type Docker from "dockerode";
import type { Logger } from "pino";
import type { HostLocks } from "../../src/deploys/host-lock.js";
import type { DockerHosts } from "../../src/docker/connect.js";
import { onHost } from "../../src/docker/errors.js";
import { pullImage } from "../../src/docker/pull.js";
import { type Fleet, usesProxy } from "../../src/fleet/schema.js";
import { type ProxyResult, proxyJobSchema } from "../../src/jobs/schemas.js";
import { proxyLockKey } from "../../src/proxy/proxy-lock.js";
import type { RegistryClient } from "../../src/registry/client.js";
import { notInFleet } from "../not-in-fleet.js";
import { proxyOfFleet } from "./deploy-proxy.js";
import { ensureProxy } from "./ensure-proxy.js";
import { withProxyLock } from "./host-mutex.js";

export type ProxyDeps = {
  fleet: Fleet;
  hosts: DockerHosts;
  registry: RegistryClient;
  locks?: HostLocks;
  log: Logger;
};

const missing = (err: unknown) => {
  if ((err as { statusCode?: number }).statusCode === 404) return undefined;
  throw err;
};

/**
 * `/proxy <host> restart|upgrade`, under the host's proxy lock so no deploy switches routes
 * meanwhile. Caddy comes back with the routes it had either way: a restart resumes its last
 * config, and a recreated proxy is given the stored routes before it starts.
 */
export async function processProxy(job: Job, deps: ProxyDeps): Promise<ProxyResult> {
  const parsed = proxyJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid proxy job: ${parsed.error.issues[0]?.message}`);
  const { action, host } = parsed.data;
  if (!deps.fleet.hosts[host]) throw notInFleet(host);
  if (!usesProxy(deps.fleet))
    throw new UnrecoverableError("no project is behind the proxy in this worker's fleet file");
  const ofFleet = proxyOfFleet(deps.fleet, deps.registry);
  const docker = deps.hosts.get(host);
  const log = deps.log.child({ host, proxy: action });
  const name = ofFleet.settings.name;
  return withProxyLock(proxyLockKey(host, name), deps.locks, job.id ?? action, () =>
    onHost(host, async () => {
      const container = docker.getContainer(name);
      const info: Docker.ContainerInspectInfo | undefined = await container.inspect().catch(missing);
      if (!info) {
        throw new UnrecoverableError(
          `no proxy runs on ${host} yet; the first deploy of a project behind it starts one`,
        );
      }
      let recreated = false;
      if (action === "restart") {
        await container.restart({ t: 5 });
      } else {
        await pullImage(docker, ofFleet.image, ofFleet.auth);
        const pulled = await docker.getImage(ofFleet.image).inspect();
        if (pulled.Id !== info.Image) {
          await ensureProxy({ ...ofFleet, docker, log, recreate: true });
          recreated = true;
        }
      }
      const after = await container.inspect();
      log.info({ recreated, image: after.Config.Image }, `proxy ${action} done`);
      return { host, action, image: after.Config.Image, state: after.State.Status, recreated };
    }),
  );
}
