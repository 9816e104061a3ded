import { loadEnv } from "./env.js";
import { errorMessage, OpsError } from "./errors.js";
import { loadFleet } from "./fleet/load.js";
import { createLogger } from "./log.js";
import { type Role, startRuntime } from "./runtime.js";

const ROLES: Record<string, Role[]> = {
  all: ["bot", "worker", "monitor"],
  bot: ["bot"],
  worker: ["worker"],
  monitor: ["monitor"],
};

async function main(): Promise<void> {
  const roles = ROLES[process.argv[2] ?? "all"];
  if (!roles)
    throw new OpsError("config_invalid", `unknown role ${process.argv[2]}; use all, bot, worker or monitor`);
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const { fleet, file, unsetVariables } = loadFleet(env.FLEET_FILE);
  for (const name of unsetVariables)
    log.warn({ file, variable: name }, `${file} uses \${${name}}, which is not set`);
  const runtime = await startRuntime({ env, fleet, roles, log });
  const stop = async (signal: string) => {
    log.info({ signal }, "shutting down");
    await runtime.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err) => {
  // Start-up faults are for a human at a terminal: the message, not a stack trace.
  process.stderr.write(`dockops: ${errorMessage(err)}\n`);
  process.exit(1);
});
