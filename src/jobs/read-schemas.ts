import { z } from "zod";
import { GIT_REF_PATTERN } from "../fleet/schema.js";
import { COMMIT_PATTERN, NAME_PATTERN } from "../names.js";

/**
 * Reads of one host, run by a worker so that the bot needs no Docker access at all (it then
 * holds no root-equivalent credential). Each job names exactly one host, so a per-host queue or
 * an agent on that host can serve it unchanged. Like every job: names only, no credentials.
 */
export const hostQuerySchema = z.discriminatedUnion("kind", [
  /** /status, /hosts, /images: the host's managed containers (and its Docker version). */
  z.strictObject({
    kind: z.literal("snapshot"),
    /** Inspect running containers for start time and health (one call each). */
    inspect: z.boolean(),
    project: z.string().regex(NAME_PATTERN).optional(),
  }),
  /** Dry runs, /promote, /scale: the running containers of a project+env, by label. */
  z.strictObject({
    kind: z.literal("running"),
    project: z.string().regex(NAME_PATTERN),
    env: z.string().regex(NAME_PATTERN),
  }),
  /** /logs: the tail of the project's current container (masked by the worker). */
  z.strictObject({
    kind: z.literal("logs"),
    project: z.string().regex(NAME_PATTERN),
    env: z.string().regex(NAME_PATTERN),
    tail: z.number().int().min(1).max(5_000),
    sinceMs: z.number().int().min(1).optional(),
  }),
  /** A deploy of a project with `code`: the commit its git ref points to now (git runs on the worker). */
  z.strictObject({
    kind: z.literal("commit"),
    project: z.string().regex(NAME_PATTERN),
    ref: z.string().regex(GIT_REF_PATTERN),
  }),
  /** /stats: one-shot resource usage of the managed containers, and the host's totals. */
  z.strictObject({
    kind: z.literal("stats"),
    project: z.string().regex(NAME_PATTERN).optional(),
    env: z.string().regex(NAME_PATTERN).optional(),
  }),
]);
export type HostQuery = z.infer<typeof hostQuerySchema>;

export const hostReadJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  host: z.string().regex(NAME_PATTERN),
  query: hostQuerySchema,
  /** How long the worker gives the host before answering "unreachable". */
  timeoutMs: z.number().int().min(100).max(120_000),
  requestedBy: z.string().min(1).max(64).optional(),
});
export type HostReadJob = z.infer<typeof hostReadJobSchema>;

export function hostReadJobId(requestId: string, host: string): string {
  return `read-${requestId}-${host}`;
}

/** Reads change nothing and come by the dozen per /status: no audit entry, no /jobs line. */
export function isHostReadJobId(jobId: string): boolean {
  return jobId.startsWith("read-");
}

const containerViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  project: z.string(),
  env: z.string(),
  version: z.string(),
  digest: z.string(),
  configRevision: z.string().optional(),
  /** The code commit the container mounts (project with `code`). */
  commit: z.string().optional(),
  state: z.string(),
  health: z.string().optional(),
  startedAt: z.number().optional(),
  created: z.number(),
});

/** A host is always an answer: unreachable is a value, so one bad host never fails a fleet read. */
export const snapshotResultSchema = z.union([
  z.strictObject({
    host: z.string(),
    reachable: z.literal(true),
    dockerVersion: z.string(),
    running: z.number().int(),
    total: z.number().int(),
    managed: z.array(containerViewSchema),
    proxy: z
      .strictObject({ state: z.string(), image: z.string(), startedAt: z.number().optional() })
      .optional(),
  }),
  z.strictObject({ host: z.string(), reachable: z.literal(false), reason: z.string() }),
]);

export const runningResultSchema = z.union([
  z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      digest: z.string(),
      version: z.string(),
      commit: z.string().optional(),
      replica: z.number().int().optional(),
    }),
  ),
  z.strictObject({ error: z.string() }),
]);

export const logsResultSchema = z.union([
  z.strictObject({
    host: z.string(),
    ok: z.literal(true),
    container: z
      .strictObject({ name: z.string(), state: z.string(), configRevision: z.number().int().optional() })
      .optional(),
    lines: z.array(z.string()),
  }),
  z.strictObject({ host: z.string(), ok: z.literal(false), reason: z.string() }),
]);

const containerStatsSchema = z.strictObject({
  name: z.string(),
  project: z.string(),
  env: z.string(),
  state: z.string(),
  restarts: z.number().int(),
  cpuPercent: z.number(),
  memUsed: z.number(),
  memLimit: z.number(),
  rxBytes: z.number(),
  txBytes: z.number(),
});

export const statsResultSchema = z.union([
  z.strictObject({
    host: z.string(),
    reachable: z.literal(true),
    cpus: z.number().int(),
    memTotal: z.number(),
    disk: z.strictObject({
      images: z.number(),
      containers: z.number(),
      volumes: z.number(),
      buildCache: z.number(),
    }),
    containers: z.array(containerStatsSchema),
  }),
  z.strictObject({ host: z.string(), reachable: z.literal(false), reason: z.string() }),
]);
export type HostStats = z.infer<typeof statsResultSchema>;
export type ContainerStats = z.infer<typeof containerStatsSchema>;

/** The commit a ref resolves to, or git's reason (a bad ref is a value the bot shows, not a fault). */
export const commitResultSchema = z.union([
  z.strictObject({ commit: z.string().regex(COMMIT_PATTERN) }),
  z.strictObject({ error: z.string() }),
]);

/** The result schema of each query kind: the bot parses what a worker returns with it. */
export const hostReadResultSchemas = {
  snapshot: snapshotResultSchema,
  running: runningResultSchema,
  logs: logsResultSchema,
  stats: statsResultSchema,
  commit: commitResultSchema,
} as const;
export type HostReadResult<K extends HostQuery["kind"]> = z.infer<(typeof hostReadResultSchemas)[K]>;
