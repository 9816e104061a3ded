import { z } from "zod";
import { ConfigError } from "./errors.js";

const schema = z.object({
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "write redis://HOST:PORT")
    .default("redis://127.0.0.1:6379"),
  /** Unset: ./fleet.yml if it exists, else the built-in fleet (src/fleet/default-fleet.ts). */
  FLEET_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Prefix of every Redis key (queue, records): two installations can share one Redis. */
  DOCKOPS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, - and _ only")
    .default("dockops"),
});

export type AppEnv = z.infer<typeof schema>;

/** Parses the process environment once, listing every problem. */
export function loadEnv(env: Record<string, string | undefined> = process.env): AppEnv {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`the environment is invalid:\n${lines.join("\n")}`);
  }
  return result.data;
}
