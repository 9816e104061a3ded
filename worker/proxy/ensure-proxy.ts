import type Docker from "dockerode";
import type { Logger } from "pino";
import { pullImage } from "../../src/docker/pull.js";
import type { ProxySettings } from "../../src/fleet/schema.js";
import { caddyConfig } from "../../src/proxy/caddy-config.js";
import {
  CONFIG_FILE,
  PROXY_DIR,
  PROXY_LABEL,
  proxyContainerSpec,
  publishedPorts,
  STATE_FILE,
} from "../../src/proxy/proxy-container.js";
import { parseState } from "../../src/proxy/routes.js";
import { readContainerFile, writeContainerFiles } from "./proxy-files.js";

export type EnsureProxyInput = {
  docker: Docker;
  settings: ProxySettings;
  /** The proxy image as Docker pulls it (fleet `proxy.image`). */
  image: string;
  /** Ports the proxy must publish on this host. */
  ports: number[];
  /** Registry credentials, when the proxy image lives in the fleet's registry. */
  auth?: object;
  log: Logger;
  /** Recreate it even when it has the ports and image reference (`/proxy upgrade` pulled anew). */
  recreate?: boolean;
};

const status = (err: unknown) => (err as { statusCode?: number }).statusCode;

async function ensureNetwork(docker: Docker, name: string): Promise<void> {
  const found = await docker.listNetworks({ filters: { name: [name] } });
  if (found.some((n) => n.Name === name)) return;
  // 409: another worker made it meanwhile, which is just as good.
  await docker
    .createNetwork({ Name: name, Driver: "bridge", Labels: { [PROXY_LABEL.proxy]: "true" } })
    .catch((err) => {
      if (status(err) !== 409) throw err;
    });
}

async function inspectOrUndefined(
  container: Docker.Container,
): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await container.inspect();
  } catch (err) {
    if (status(err) === 404) return undefined;
    throw err;
  }
}

async function ensureImage(docker: Docker, image: string, auth: object | undefined): Promise<void> {
  const present = await docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!present) await pullImage(docker, image, auth);
}

/**
 * Makes sure the host runs the proxy: the network, then the container with the fleet's image and
 * at least the ports asked for. A proxy that lacks a port or runs another image is recreated with
 * the routes it had (its clients see a second of refused connections: say so in the log).
 */
export async function ensureProxy(input: EnsureProxyInput): Promise<Docker.Container> {
  const { docker, settings, log } = input;
  await ensureNetwork(docker, settings.network);
  const container = docker.getContainer(settings.name);
  const info = await inspectOrUndefined(container);
  const have = publishedPorts(info?.Config.Labels);
  const complete = input.ports.every((p) => have.includes(p));
  if (info && complete && info.Config.Image === input.image && !input.recreate) {
    if (!info.State.Running)
      await container.start().catch((err) => status(err) === 304 || Promise.reject(err));
    return container;
  }
  const routes = info ? await readContainerFile(container, `${PROXY_DIR}/${STATE_FILE}`) : undefined;
  const state = parseState(routes);
  if (!state)
    throw new Error(`the proxy's ${PROXY_DIR}/${STATE_FILE} is damaged; fix or remove it and retry`);
  const ports = [...new Set([...have, ...input.ports])].sort((a, b) => a - b);
  await ensureImage(docker, input.image, input.auth);
  if (info) {
    log.warn({ ports, image: input.image }, "recreating the proxy container (new port or image)");
    await container.remove({ force: true });
  }
  try {
    await docker.createContainer(proxyContainerSpec(settings, input.image, ports));
  } catch (err) {
    // Another worker created it between our inspect and create: use theirs.
    if (status(err) !== 409) throw err;
    return ensureProxy({ ...input, recreate: false });
  }
  await writeContainerFiles(container, PROXY_DIR, {
    [CONFIG_FILE]: JSON.stringify(caddyConfig(state), null, 2),
    [STATE_FILE]: JSON.stringify(state, null, 2),
  });
  await container.start();
  return container;
}
