import { z } from "zod";
import { parseEncryptionKey } from "./config/cipher.js";
import { ConfigError } from "./errors.js";
import { isSentinelUrl, parseSentinelUrl } from "./queue/redis-url.js";
import type { ReplicaWait } from "./queue/replicas.js";

const schema = z.object({
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  /**
   * The installed slash commands (see `npm run manifest`): commands with their own slash command
   * (comma list, `all` or `none`; default `deploy`), their prefix, and the umbrella (default `ops`).
   * Checked when the bot starts (src/slack/command-set.ts).
   */
  SLACK_COMMANDS: z.string().optional(),
  SLACK_COMMAND_PREFIX: z.string().optional(),
  SLACK_UMBRELLA_COMMAND: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** redis://, rediss://, or redis+sentinel://HOST:PORT,HOST:PORT/MASTER (docs/operations.md). */
  REDIS_URL: z
    .string()
    .regex(/^(rediss?|redis\+sentinel):\/\//, "write redis://HOST:PORT or redis+sentinel://HOST:PORT/MASTER")
    .superRefine((url, ctx) => {
      const problem = sentinelUrlProblem(url);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default("redis://127.0.0.1:6379"),
  /**
   * Replicas that must hold an acknowledged deploy or config change (Redis `WAIT`); unset: 1
   * with a Sentinel URL, else 0 (no wait). See docs/operations.md, "Redis high availability".
   */
  REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).optional(),
  REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** Unset: ./fleet.yml if it exists, else the built-in fleet (src/fleet/default-fleet.ts). */
  FLEET_FILE: z.string().min(1).optional(),
  /** How often the fleet file is looked at for changes (0 = never: changes need a restart). */
  FLEET_WATCH_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** How long a worker's claim on a running job lasts without renewal; a dead worker's jobs restart after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * Jobs that change one host (deploys, restarts, builds, prunes, exec, proxy) running at once
   * over every worker; more wait parked, outside the workers. Keep it below WORKER_CONCURRENCY:
   * a host whose Docker daemon hangs then never holds all of a worker's slots.
   */
  WORKER_HOST_JOBS: z.coerce.number().int().min(1).max(64).default(2),
  /** The same for reads of one host (/status, /logs, /stats…), counted apart from changes. */
  WORKER_HOST_READS: z.coerce.number().int().min(1).max(64).default(1),
  /** Redis key prefix: lets several installations (or test runs) share one Redis. */
  DOCKOPS_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/)
    .default("dockops"),
  /** Fault testing only: pause this long after each deploy step, so a test can kill the worker at a known step. */
  DOCKOPS_FAULT_STEP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /**
   * The shared token the registry sends (`Authorization: Bearer <token>`) with its notifications
   * to POST /registry/events; unset, the bot takes no registry notifications. Never logged.
   */
  DOCKOPS_REGISTRY_EVENTS_TOKEN: z
    .string()
    .min(24, "use at least 24 random characters (openssl rand -hex 32)")
    .regex(/^[\x21-\x7e]+$/, "use printable characters without spaces (openssl rand -hex 32)")
    .optional(),
  /** 32 bytes as 64 hex characters or base64; encrypts config secrets at rest. */
  CONFIG_ENCRYPTION_KEY: z
    .string()
    .refine(
      (v) => parseEncryptionKey(v) !== undefined,
      "write 32 random bytes as hex or base64 (openssl rand -base64 32)",
    )
    .optional(),
});

export type AppEnv = z.infer<typeof schema>;

/** Parses the process environment once, listing every problem. */
export function loadEnv(env: Record<string, string | undefined> = process.env): AppEnv {
  // `FOO=` (as compose writes `${FOO:-}`) means "not set", not "set to nothing".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(given);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`the environment is invalid:\n${lines.join("\n")}`);
  }
  return result.data;
}

function sentinelUrlProblem(url: string): string | undefined {
  if (!isSentinelUrl(url)) return undefined;
  try {
    parseSentinelUrl(url);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^REDIS_URL: /, "");
  }
}

/** A Sentinel set exists to survive losing its master, so there the wait is on by default. */
export function replicaWaitOf(env: AppEnv): ReplicaWait {
  return {
    replicas: env.REDIS_WAIT_REPLICAS ?? (isSentinelUrl(env.REDIS_URL) ? 1 : 0),
    timeoutMs: env.REDIS_WAIT_TIMEOUT_MS,
  };
}
