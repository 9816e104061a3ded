import { z } from "zod";
import { COMMIT_PATTERN, DIGEST_PATTERN, NAME_PATTERN, TAG_PATTERN } from "../names.js";

/** The most containers of one project one host runs. */
export const MAX_REPLICAS = 20;

/**
 * The one contract between bot and worker. The producer parses before `add`, the processor
 * parses before doing anything. No credentials and no config values travel in a job: the
 * worker reads them from the fleet file and Redis itself.
 */
export const deployJobSchema = z.strictObject({
  deployId: z.string().regex(/^[a-z0-9]{6,32}$/),
  project: z.string().regex(NAME_PATTERN),
  env: z.string().regex(NAME_PATTERN),
  host: z.string().regex(NAME_PATTERN),
  tag: z.string().regex(TAG_PATTERN),
  /** Set when the exact image is already known (rollback, promote); else resolved from the tag. */
  digest: z.string().regex(DIGEST_PATTERN).optional(),
  /** The stored config revision to run with (rollback pins the old one); else the latest. */
  configRevision: z.number().int().min(0).optional(),
  /**
   * For a project with `code`: the commit whose files are mounted, resolved from the ref before
   * the job was queued, so a retry, an approved run or a rollback deploys exactly that code.
   */
  commit: z.string().regex(COMMIT_PATTERN).optional(),
  requestedBy: z.string().min(1).max(64),
  /** Containers to run on this host (`/scale`); 0 retires them all. Else as many as run now, at least 1. */
  replicas: z.number().int().min(0).max(MAX_REPLICAS).optional(),
});
export type DeployJob = z.infer<typeof deployJobSchema>;

export const deployResultSchema = z.strictObject({
  host: z.string(),
  digest: z.string(),
  /** The code commit the container mounts, for a project with `code`. */
  commit: z.string().optional(),
  containerId: z.string(),
  containerName: z.string(),
  replaced: z.array(z.string()),
  durationMs: z.number(),
  replicas: z.number().int().optional(),
  /** Set when a newer request of the same project+env+host made this one unnecessary. */
  supersededBy: z.string().optional(),
});
export type DeployResult = z.infer<typeof deployResultSchema>;

/** `/prune <host>`: remove the host's dangling images and its build cache. */
export const pruneJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  host: z.string().regex(NAME_PATTERN),
  requestedBy: z.string().min(1).max(64),
});
export type PruneJob = z.infer<typeof pruneJobSchema>;

export const pruneResultSchema = z.strictObject({
  host: z.string(),
  deleted: z.number().int().min(0),
  spaceReclaimed: z.number().min(0),
  /** The build cache's entries removed and bytes freed; unset when the daemon could not prune it. */
  cache: z.strictObject({ deleted: z.number().int().min(0), spaceReclaimed: z.number().min(0) }).optional(),
  /** Why the build cache was not pruned (the daemon's answer). */
  cacheError: z.string().max(500).optional(),
});
export type PruneResult = z.infer<typeof pruneResultSchema>;

export function pruneJobId(requestId: string, host: string): string {
  return `prune-${requestId}-${host}`;
}
/** `/exec`: one allowed command, as an argv array (never a shell line), in one container. */
export const execJobSchema = z.strictObject({
  execId: z.string().regex(/^[a-z0-9]{6,32}$/),
  project: z.string().regex(NAME_PATTERN),
  env: z.string().regex(NAME_PATTERN),
  host: z.string().regex(NAME_PATTERN),
  argv: z.array(z.string().min(1).max(512)).min(1).max(64),
  requestedBy: z.string().min(1).max(64),
});
export type ExecJob = z.infer<typeof execJobSchema>;

export const execResultSchema = z.strictObject({
  container: z.string(),
  exitCode: z.number().int().nullable(),
  output: z.string(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
  durationMs: z.number(),
});
export type ExecResult = z.infer<typeof execResultSchema>;

export const JOB_NAMES = {
  deploy: "deploy",
  prune: "prune",
  exec: "exec",
  lifecycle: "lifecycle",
  tailLogs: "tail-logs",
  /** A read of one host (src/jobs/read-schemas.ts): the bot itself never talks to Docker. */
  hostRead: "host-read",
  /** `/build` (src/jobs/build-schemas.ts). */
  build: "build",
  /** `/maintenance`: the host's proxy answers 503 for a project, or serves it again. */
  maintenance: "maintenance",
  /** `/proxy <host> restart|upgrade`. */
  proxy: "proxy",
} as const;

/** BullMQ ids may not contain ":"; one id per deploy and host drops a duplicate request. */
export function deployJobId(deployId: string, host: string): string {
  return `deploy-${deployId}-${host}`;
}

export function execJobId(execId: string): string {
  return `exec-${execId}`;
}
/** Restart, stop or start the current container of a project+env on one host. */
export const lifecycleJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  action: z.enum(["restart", "stop", "start"]),
  project: z.string().regex(NAME_PATTERN),
  env: z.string().regex(NAME_PATTERN),
  host: z.string().regex(NAME_PATTERN),
  requestedBy: z.string().min(1).max(64),
});
export type LifecycleJob = z.infer<typeof lifecycleJobSchema>;

export const lifecycleResultSchema = z.strictObject({
  host: z.string(),
  containerName: z.string(),
  state: z.string(),
  startedAt: z.string().optional(),
});
export type LifecycleResult = z.infer<typeof lifecycleResultSchema>;

export function lifecycleJobId(requestId: string, host: string): string {
  return `lifecycle-${requestId}-${host}`;
}

/** Restart a host's proxy container, or recreate it from a newer pull of the fleet's proxy image. */
export const proxyJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  action: z.enum(["restart", "upgrade"]),
  host: z.string().regex(NAME_PATTERN),
  requestedBy: z.string().min(1).max(64),
});
export type ProxyJob = z.infer<typeof proxyJobSchema>;

export const proxyResultSchema = z.strictObject({
  host: z.string(),
  action: z.enum(["restart", "upgrade"]),
  image: z.string(),
  state: z.string(),
  /** For `upgrade`: false when the pulled image was the one already running. */
  recreated: z.boolean(),
});
export type ProxyResult = z.infer<typeof proxyResultSchema>;

export function proxyJobId(requestId: string, host: string): string {
  return `proxy-${requestId}-${host}`;
}

/** The longest maintenance message the proxy shows. */
export const MAX_MAINTENANCE_MESSAGE = 300;

/** What the proxy says when `/maintenance … on` names no message. */
export const defaultMaintenanceMessage = (project: string) =>
  `${project} is down for maintenance; please try again in a few minutes.`;

/**
 * Put a proxied project+env in or out of maintenance on one host. The message becomes the body
 * of the proxy's 503: no braces, which Caddy would read as placeholders (`{env.SECRET}`).
 */
export const maintenanceJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  on: z.boolean(),
  project: z.string().regex(NAME_PATTERN),
  env: z.string().regex(NAME_PATTERN),
  host: z.string().regex(NAME_PATTERN),
  message: z
    .string()
    .min(1)
    .max(MAX_MAINTENANCE_MESSAGE)
    .regex(/^[^{}\p{Cc}]+$/u)
    .optional(),
  requestedBy: z.string().min(1).max(64),
});
export type MaintenanceJob = z.infer<typeof maintenanceJobSchema>;

export const maintenanceResultSchema = z.strictObject({
  host: z.string(),
  on: z.boolean(),
  /** False when the proxy already was in the asked state. */
  changed: z.boolean(),
});
export type MaintenanceResult = z.infer<typeof maintenanceResultSchema>;

export function maintenanceJobId(requestId: string, host: string): string {
  return `maintenance-${requestId}-${host}`;
}

/** The last log lines of a project's container on one host (the worker masks secret values). */
export const tailLogsJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  project: z.string().regex(NAME_PATTERN),
  env: z.string().regex(NAME_PATTERN),
  host: z.string().regex(NAME_PATTERN),
  /** Prefer this container (the one an alert is about); else the newest of the project. */
  containerId: z
    .string()
    .regex(/^[a-f0-9]{12,64}$/)
    .optional(),
  lines: z.number().int().min(1).max(500),
  requestedBy: z.string().min(1).max(64),
});
export type TailLogsJob = z.infer<typeof tailLogsJobSchema>;

export const tailLogsResultSchema = z.strictObject({ containerName: z.string(), lines: z.array(z.string()) });
export type TailLogsResult = z.infer<typeof tailLogsResultSchema>;
