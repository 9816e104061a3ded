import type Docker from "dockerode";
import { pullImage } from "../../src/docker/pull.js";
import type { RegistryClient } from "../../src/registry/client.js";

/** Polls like a human watching `docker ps` would, only faster: every 50 ms until `healthy`. */
export async function waitHealthy(container: Docker.Container): Promise<void> {
  while ((await container.inspect()).State.Health?.Status !== "healthy")
    await new Promise((r) => setTimeout(r, 50));
}

/**
 * The change done by hand with the Docker API as a careful human would with the CLI: resolve the
 * tag's digest, pull by digest (cached after the first round), stop the old container (it holds
 * the port), create and start the new one, wait for `healthy`, remove the old one.
 */
export function rawDeployer(docker: Docker, registry: RegistryClient, name: string, port: number) {
  let previous: string | undefined;
  let round = 0;
  return {
    deploy: async (tag: string): Promise<void> => {
      const ref = registry.reference("web", await registry.resolveDigest("web", tag));
      await pullImage(docker, ref, registry.authConfig());
      if (previous) await docker.getContainer(previous).stop({ t: 2 });
      const c = await docker.createContainer({
        name: `${name}-${round++}`,
        Image: ref,
        HostConfig: { PortBindings: { "80/tcp": [{ HostPort: String(port) }] } },
      });
      await c.start();
      await waitHealthy(c);
      if (previous) await docker.getContainer(previous).remove({ force: true });
      previous = c.id;
    },
    remove: async (): Promise<void> => {
      if (previous)
        await docker
          .getContainer(previous)
          .remove({ force: true })
          .catch(() => {});
    },
  };
}
