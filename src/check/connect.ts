import { agentStates } from "../agent/liveness.js";
import { DockerHosts } from "../docker/connect.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import { checkRedis } from "../queue/check-redis.js";
import { createRedis } from "../queue/connection.js";
import { redactRedisUrl } from "../queue/redis-url.js";
import { RegistryClient } from "../registry/client.js";
import { type CheckRow, probeAgent, probeHost, probeRegistry } from "./probes.js";

async function probeRedis(url: string): Promise<CheckRow> {
  const what = "redis";
  try {
    await checkRedis(url);
    return { what, status: "ok", detail: redactRedisUrl(url), fix: "" };
  } catch (err) {
    const reason = errorMessage(err).split(". ")[0] ?? "";
    return {
      what,
      status: "FAIL",
      detail: reason.replace(url, redactRedisUrl(url)),
      fix: "start Redis or set REDIS_URL to yours (see docs/getting-started.md)",
    };
  }
}

/** A host with an agent is reached through Redis: whether its agent runs, and which version. */
async function probeAgentOf(name: string, redisUrl: string, prefix: string): Promise<CheckRow> {
  const redis = createRedis(redisUrl, "client");
  try {
    const [state] = await agentStates(redis, prefix, [name]);
    return probeAgent(state ?? { host: name, alive: false });
  } catch (err) {
    return { what: `host ${name}`, status: "FAIL", detail: `agent: Redis: ${errorMessage(err)}`, fix: "" };
  } finally {
    redis.disconnect();
  }
}

/**
 * Reaches everything the fleet file names, all at once: every host's Docker daemon, the
 * registry and each project's repository and default tag, and Redis. Faults become rows.
 */
export async function checkConnections(
  fleet: Fleet,
  redisUrl: string,
  prefix = "dockops",
): Promise<CheckRow[]> {
  const hosts = new DockerHosts(fleet.hosts);
  let registry: RegistryClient | undefined;
  let registryRow: CheckRow | undefined;
  try {
    registry = new RegistryClient(fleet.registry, 10_000);
  } catch (err) {
    registryRow = {
      what: `registry ${fleet.registry.url}`,
      status: "FAIL",
      detail: errorMessage(err),
      fix: "fix registry.ca",
    };
  }
  const [hostRows, registryRows, redisRow] = await Promise.all([
    Promise.all(
      Object.entries(fleet.hosts).map(([name, spec]) =>
        spec.agent
          ? probeAgentOf(name, redisUrl, prefix)
          : probeHost(name, spec, async () => hosts.get(name).version()),
      ),
    ),
    registry ? probeRegistry(fleet, registry) : Promise.resolve(registryRow ? [registryRow] : []),
    probeRedis(redisUrl),
  ]);
  return [...hostRows, ...registryRows, redisRow];
}
