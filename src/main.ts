import { parseArgs } from "node:util";
import { loadEnv } from "./env.js";
import { ConfigError, errorMessage, OpsError } from "./errors.js";
import { BUILT_IN, describeBuiltIn, resolveFleet } from "./fleet/default-fleet.js";
import { createLogger } from "./log.js";
import { checkRedis } from "./queue/check-redis.js";
import { type Role, startRuntime } from "./runtime.js";
import { ShellSession } from "./shell/shell-session.js";
import { hasSlackCredentials } from "./slack/credentials.js";

const ROLES: Record<string, Role[]> = {
  all: ["bot", "worker", "monitor"],
  bot: ["bot"],
  worker: ["worker"],
  monitor: ["monitor"],
};

const USAGE = `usage: dockops [all|bot|worker|monitor] [--shell] [--user U123] [--once "/deploy a1 beta"]
       dockops agent --host NAME   (on a managed server; see dockops agent --help)
  no Slack credentials (or --shell): an interactive prompt taking the same commands as Slack
  --once CMD   run one command, wait for the deploy it starts, print, exit (1 = failed, 2 = not understood)
  --user ID    who you are in the shell (default ULOCAL), e.g. an approver's ID`;

async function main(): Promise<void> {
  // The agent runs on a managed server with its own small set of options and no fleet file.
  if (process.argv[2] === "agent") {
    const { agentMain } = await import("./agent/cli.js");
    return agentMain(process.argv.slice(3));
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      once: { type: "string" },
      user: { type: "string", default: "ULOCAL" },
      shell: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const roles = ROLES[positionals[0] ?? "all"];
  if (!roles)
    throw new OpsError("config_invalid", `unknown role ${positionals[0]}; use all, bot, worker or monitor`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.user)) {
    throw new ConfigError(
      `--user takes a Slack-style user ID such as U0LEAD, not "${values.user.slice(0, 64)}"`,
    );
  }
  const env = loadEnv();
  const shell =
    roles.includes("bot") && (values.shell || values.once !== undefined || !hasSlackCredentials(env));
  const someSlack = Boolean(env.SLACK_BOT_TOKEN || env.SLACK_APP_TOKEN || env.SLACK_SIGNING_SECRET);
  if (shell && someSlack && !values.shell && values.once === undefined) {
    // Half a Slack configuration is a mistake to report, not a reason to fall back to the shell.
    throw new ConfigError(
      'the bot needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode); see docs/getting-started.md, "Create the Slack app". Unset them all (or pass --shell) for the terminal.',
    );
  }
  // The terminal belongs to the user in the shell: logs go to stderr, and only warnings by default.
  const log = shell
    ? createLogger(process.env.LOG_LEVEL ? env.LOG_LEVEL : "warn", process.stderr)
    : createLogger(env.LOG_LEVEL);
  const loaded = resolveFleet(env.FLEET_FILE);
  for (const name of loaded.unsetVariables)
    log.warn({ file: loaded.file, variable: name }, `${loaded.file} uses \${${name}}, which is not set`);
  const fleetNote = loaded.file === BUILT_IN ? describeBuiltIn(loaded) : `fleet: ${loaded.file}`;
  if (!shell) log.info({ fleet: loaded.file }, fleetNote);
  await checkRedis(env.REDIS_URL);
  const runtime = await startRuntime({
    env,
    fleet: loaded.fleet,
    roles,
    log,
    adapter: shell ? "shell" : undefined,
    ...(loaded.file === BUILT_IN || env.FLEET_WATCH_MS === 0
      ? {}
      : { fleetFile: { path: loaded.file, digest: loaded.digest, intervalMs: env.FLEET_WATCH_MS } }),
  });
  const stop = async (signal: string, code = 0) => {
    log.info({ signal }, "shutting down");
    await runtime.close();
    process.exit(code);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  if (!runtime.shell) return;

  const session = new ShellSession({
    ...runtime.shell,
    user: values.user,
    channel: "shell",
    output: process.stdout,
  });
  if (values.once !== undefined) {
    if (loaded.file === BUILT_IN) process.stderr.write(`${fleetNote}\n`);
    const code = await session.once(values.once);
    return stop("done", code);
  }
  const metrics = runtime.port
    ? `metrics: http://127.0.0.1:${runtime.port}/metrics`
    : "metrics: off (port in use)";
  const banner = [
    `dockops shell — you are ${values.user}. ${fleetNote}`,
    `${metrics}. Type /ops help for commands, a number to press a button, exit to leave.`,
  ].join("\n");
  await session.interactive(process.stdin, banner);
  await stop("end of input");
}

main().catch((err) => {
  // Start-up faults are for a human at a terminal: the message, not a stack trace.
  process.stderr.write(`dockops: ${errorMessage(err)}\n`);
  process.exit(1);
});
