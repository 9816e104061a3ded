import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { loadEnv } from "../env.js";
import { ConfigError } from "../errors.js";
import { createLogger } from "../log.js";
import { createRedis } from "../queue/connection.js";
import { redactRedisUrl } from "../queue/redis-url.js";
import { agentAcl, agentUser } from "./acl.js";
import { startAgent } from "./agent.js";
import { dockopsVersion } from "./version.js";

export const AGENT_USAGE = `usage: dockops agent --host NAME            run the agent of host NAME on that server
       dockops agent --print-acl NAME       print the Redis ACL line for NAME's agent
  REDIS_URL    the agent's own Redis user: redis://dockops-agent-NAME:PASSWORD@REDIS_HOST:6379
               (the line --print-acl prints ends with it)
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
    // Printed for the operator to paste into redis-cli (and the agent's REDIS_URL); never logged.
    const password = process.env.AGENT_REDIS_PASSWORD || randomBytes(24).toString("hex");
    process.stdout.write(
      `${agentAcl(env.DOCKOPS_PREFIX, host, password)}\n# then on ${host}: REDIS_URL=redis://${agentUser(env.DOCKOPS_PREFIX, host)}:${password}@REDIS_HOST:PORT npm run agent -- --host ${host}\n`,
    );
    return;
  }
  const host = hostArg(values.host, "--host");
  const dockerHost = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
  if (!dockerHost.startsWith("unix://")) {
    throw new ConfigError(`DOCKER_HOST=${dockerHost}: the agent talks to the local socket, unix:///path`);
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
