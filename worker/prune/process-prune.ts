import { type Job, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { DockerHosts } from "../../src/docker/connect.js";
import { onHost } from "../../src/docker/errors.js";
import { errorMessage } from "../../src/errors.js";
import { type PruneResult, pruneJobSchema } from "../../src/jobs/schemas.js";
import { pruneBuildCache } from "./build-cache.js";

export type PruneDeps = { hosts: DockerHosts; log: Logger };

/**
 * Docker's own dangling-image prune: images without a tag that no container (running or kept
 * for rollback) uses. Images a deploy pulled by digest count as untagged, so old ones go too.
 * Then the whole build cache (what `/build` left on a builder). A daemon that cannot prune its
 * build cache still gets its images pruned; the reply says why the cache stayed.
 */
export async function processPrune(job: Job, deps: PruneDeps): Promise<PruneResult> {
  const parsed = pruneJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid prune job: ${parsed.error.issues[0]?.message}`);
  const { host, requestedBy } = parsed.data;
  const docker = deps.hosts.get(host);
  await job.log(`pruning dangling images on ${host}`);
  const res = await onHost(host, () => docker.pruneImages({ filters: { dangling: ["true"] } }));
  await job.log("pruning the build cache");
  const cache = await onHost(host, () => pruneBuildCache(docker)).then(
    (c) => ({ cache: c }),
    (err: unknown) => ({ cacheError: errorMessage(err).slice(0, 500) }),
  );
  const result: PruneResult = {
    host,
    deleted: (res.ImagesDeleted ?? []).filter((d) => d.Deleted).length,
    spaceReclaimed: res.SpaceReclaimed ?? 0,
    ...cache,
  };
  await job.log(`removed ${result.deleted} images and layers, reclaimed ${result.spaceReclaimed} bytes`);
  await job.log(
    result.cache
      ? `removed ${result.cache.deleted} build cache entries, reclaimed ${result.cache.spaceReclaimed} bytes`
      : `build cache not pruned: ${result.cacheError}`,
  );
  deps.log.info({ requestedBy, ...result }, "pruned dangling images and the build cache");
  return result;
}
