import type { FleetInput } from "../../src/fleet/schema.js";
import { need, readFleetEnv } from "./fleet-env.js";
import type { Harness } from "./harness.js";

/**
 * The fleet's proxy settings for a test: the caddy:2 image up.sh builds from Debian's binary, and
 * a container and network named for this test alone, so tests sharing the hosts never meet.
 */
export const withTestProxy =
  (name: string, network: string) =>
  (input: FleetInput): FleetInput => ({
    ...input,
    proxy: { image: `${need(readFleetEnv(), "REGISTRY_URL")}/caddy:2`, name, network },
  });

/** Removes the test's proxy container and network from every host. */
export async function removeTestProxies(
  h: Harness | undefined,
  name: string,
  network: string,
): Promise<void> {
  for (const docker of Object.values(h?.docker ?? {})) {
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => {});
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => {});
  }
}
