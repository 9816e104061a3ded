import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { parseEncryptionKey } from "../config/cipher.js";
import { loadEnv } from "../env.js";
import { ConfigError } from "../errors.js";
import { createLogger } from "../log.js";
import { createRedis } from "../queue/connection.js";
import { redactRedisUrl } from "../queue/redis-url.js";
import { agentAcl, agentUser } from "./acl.js";
import { startAgent } from "./agent.js";
import { agentTunnelKey, parseAgentKey } from "./tunnel-seal.js";
import { dockopsVersion } from "./version.js";

export const AGENT_USAGE = `usage: dockops agent --host NAME            run the agent of host NAME on that server
       dockops agent --print-acl NAME       print the Redis ACL line for NAME's agent
  REDIS_URL    the agent's own Redis user: redis://dockops-agent-NAME:PASSWORD@REDIS_HOST:6379
  AGENT_KEY    the key of this host's tunnels (64 hex characters)
               (--print-acl prints both, given the workers' CONFIG_ENCRYPTION_KEY)
  DOCKER_HOST  the local Docker socket (default unix:///var/run/docker.sock)`;

const HOST_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

function hostArg(value: string | undefined, flag: string): string {
  if (!value || !HOST_NAME.test(value)) {
    throw new ConfigError(`${flag} takes a host name from the fleet file, e.g. serverA\n${AGENT_USAGE}`);
  }
  return value;
}

/** `dockops agent …`: runs until SIGINT/SIGTERM, or prints the ACL line and returns. */
export async function agentMain(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string" },
      "print-acl": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${AGENT_USAGE}\n`);
  const env = loadEnv();
  if (values["print-acl"] !== undefined) {
    const host = hostArg(values["print-acl"], "--print-acl");
    const master = env.CONFIG_ENCRYPTION_KEY ? parseEncryptionKey(env.CONFIG_ENCRYPTION_KEY) : undefined;
    if (!master) {
      throw new ConfigError(
        "--print-acl also prints the agent's AGENT_KEY, derived from the workers' CONFIG_ENCRYPTION_KEY: run it where that is set",
      );
    }
    // Printed for the operator to paste into redis-cli and the agent's environment; never logged.
    const password = process.env.AGENT_REDIS_PASSWORD || randomBytes(24).toString("hex");
    const user = agentUser(env.DOCKOPS_PREFIX, host);
    const agentKey = agentTunnelKey(master, host).toString("hex");
    process.stdout.write(
      [
        agentAcl(env.DOCKOPS_PREFIX, host, password),
        `# then on ${host}:`,
        `#   REDIS_URL=redis://${user}:${password}@REDIS_HOST:PORT AGENT_KEY=${agentKey} npm run agent -- --host ${host}`,
        "",
      ].join("\n"),
    );
    return;
  }
  const host = hostArg(values.host, "--host");
  const dockerHost = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
  if (!dockerHost.startsWith("unix://")) {
    throw new ConfigError(`DOCKER_HOST=${dockerHost}: the agent talks to the local socket, unix:///path`);
  }
  const key = parseAgentKey(process.env.AGENT_KEY);
  if (!key) {
    throw new ConfigError(
      `AGENT_KEY is missing or not 64 hex characters: print it with npm run agent -- --print-acl ${host} where the workers' CONFIG_ENCRYPTION_KEY is set`,
    );
  }
  const log = createLogger(env.LOG_LEVEL);
  const redis = createRedis(env.REDIS_URL, "client");
  const reader = createRedis(env.REDIS_URL, "worker");
  const agent = await startAgent({
    redis,
    reader,
    prefix: env.DOCKOPS_PREFIX,
    host,
    dockerSocket: dockerHost.slice("unix://".length),
    version: dockopsVersion(),
    key,
    log,
  }).catch((err) => {
    redis.disconnect();
    reader.disconnect();
    throw err;
  });
  log.info({ redis: redactRedisUrl(env.REDIS_URL) }, `agent for ${host} running`);
  const stop = async (signal: string) => {
    log.info({ signal }, "agent stopping");
    await agent.close();
    await redis.quit().catch(() => redis.disconnect());
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}
