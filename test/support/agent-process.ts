import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { agentAcl, agentUser } from "../../src/agent/acl.js";
import { agentTunnelKey } from "../../src/agent/tunnel-seal.js";
import { need } from "./fleet-env.js";
import type { Harness } from "./harness.js";
import { type Spawned, tracked } from "./processes.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The fleet's host g: its own network namespace and a Docker socket, with no TCP API. */
export const AGENT_HOST = "serverG";

/**
 * Creates the agent's Redis ACL user for this harness's prefix, exactly as `--print-acl` prints
 * it; returns the agent's REDIS_URL (over the bridge, as seen from inside host g's namespace).
 */
export async function createAgentUser(
  h: Harness,
  password: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new Redis(need(h.fleetEnv, "REDIS_URL"));
  const [, ...args] = agentAcl(h.prefix, AGENT_HOST, password).split(" ");
  await admin.call("ACL", ...args);
  const bridge = new URL(need(h.fleetEnv, "REDIS_BRIDGE_URL"));
  bridge.username = agentUser(h.prefix, AGENT_HOST);
  bridge.password = password;
  return {
    url: bridge.toString(),
    drop: async () => {
      await admin.call("ACL", "DELUSER", agentUser(h.prefix, AGENT_HOST));
      admin.disconnect();
    },
  };
}

/**
 * `dockops agent --host serverG` inside host g's network namespace, on its Docker socket, with
 * the tunnel key derived from `master` (the harness's CONFIG_ENCRYPTION_KEY).
 */
export function spawnAgent(h: Harness, redisUrl: string, master: Buffer): Spawned {
  const child = spawn(
    "nsenter",
    [
      `--net=/run/netns/${need(h.fleetEnv, "HOST_G_NETNS")}`,
      process.execPath,
      "--import",
      "tsx",
      "src/main.ts",
      "agent",
      "--host",
      AGENT_HOST,
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        REDIS_URL: redisUrl,
        DOCKER_HOST: need(h.fleetEnv, "HOST_G_SOCK"),
        DOCKOPS_PREFIX: h.prefix,
        AGENT_KEY: agentTunnelKey(master, AGENT_HOST).toString("hex"),
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return tracked(child, `${h.prefix}-agent`);
}
