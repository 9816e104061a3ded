import { z } from "zod";
import { GIT_REF_PATTERN } from "../fleet/schema.js";
import { DIGEST_PATTERN, NAME_PATTERN, TAG_PATTERN } from "../names.js";

/**
 * `/build`: which project at which ref, on which host. The repository URL, Dockerfile, build
 * arguments and registry credentials are not in the job: the worker reads them from the fleet.
 */
export const buildJobSchema = z.strictObject({
  requestId: z.string().regex(/^[a-z0-9]{6,32}$/),
  project: z.string().regex(NAME_PATTERN),
  ref: z.string().regex(GIT_REF_PATTERN),
  tag: z.string().regex(TAG_PATTERN).optional(),
  host: z.string().regex(NAME_PATTERN),
  requestedBy: z.string().min(1).max(64),
});
export type BuildJob = z.infer<typeof buildJobSchema>;

export const buildResultSchema = z.strictObject({
  image: z.string(),
  tags: z.array(z.string()),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  digest: z.string().regex(DIGEST_PATTERN),
  /** Bytes of the image on the builder (uncompressed). */
  size: z.number().min(0),
  durationMs: z.number().min(0),
});
export type BuildResult = z.infer<typeof buildResultSchema>;

/** What the worker reports while it builds; the channel message shows it. */
export const buildProgressSchema = z.strictObject({
  phase: z.enum(["fetching", "building", "pushing"]),
  step: z.number().int().min(0).optional(),
  steps: z.number().int().min(0).optional(),
  /** The Dockerfile instruction of the current step, e.g. "RUN make". */
  instruction: z.string().max(300).optional(),
  commit: z.string().optional(),
});
export type BuildProgress = z.infer<typeof buildProgressSchema>;

/**
 * Two identical requests while one runs are one build: BullMQ drops a job whose deduplication
 * id is held by a job that has not finished. A finished build frees it, so the same ref can be
 * built again later (a fixed job id would make BullMQ ignore it for as long as it keeps the old
 * job).
 */
export function buildDedupId(job: Pick<BuildJob, "project" | "ref" | "tag">): string {
  return `build-${job.project}-${job.ref}-${job.tag ?? ""}`;
}

export function buildJobId(requestId: string): string {
  return `build-${requestId}`;
}
