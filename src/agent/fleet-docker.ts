import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { DockerHosts } from "../docker/connect.js";
import { ConfigError } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import { AgentRelays } from "./relay.js";

/** The hosts of the fleet declared `agent: true`. */
export function agentHosts(fleet: Fleet): string[] {
  return Object.entries(fleet.hosts)
    .filter(([, spec]) => spec.agent)
    .map(([name]) => name);
}

/**
 * Docker clients for every host of a fleet version: direct for the others, through a relay for
 * hosts with an agent. `close` ends the relays (nothing to end without agents).
 */
export async function fleetDocker(
  fleet: Fleet,
  deps: { redis: Redis; connect: () => Redis; prefix: string; log: Logger; master?: Buffer },
): Promise<{ hosts: DockerHosts; close: () => Promise<void> }> {
  const names = agentHosts(fleet);
  if (names.length === 0) return { hosts: new DockerHosts(fleet.hosts), close: async () => {} };
  if (!deps.master) {
    throw new ConfigError(
      `${names.join(", ")} ${names.length === 1 ? "has" : "have"} agent: true, and the agents' tunnels are encrypted with keys derived from CONFIG_ENCRYPTION_KEY: set it for every worker and monitor (docs/scale-out.md, "Host agents")`,
    );
  }
  const relays = new AgentRelays({
    master: deps.master,
    redis: deps.redis,
    reader: deps.connect(),
    prefix: deps.prefix,
    hosts: names,
    log: deps.log.child({ component: "agent-relay" }),
  });
  await relays.start();
  return { hosts: new DockerHosts(fleet.hosts, relays), close: () => relays.close() };
}
