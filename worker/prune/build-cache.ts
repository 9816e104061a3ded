import type Docker from "dockerode";

type BuildPruneAnswer = { CachesDeleted?: string[] | null; SpaceReclaimed?: number };

/**
 * POST /build/prune?all=true: the whole build cache, not only what BuildKit deems unused.
 * dockerode's `pruneBuilder` sends no query parameters, hence the direct call.
 */
export function pruneBuildCache(docker: Docker): Promise<{ deleted: number; spaceReclaimed: number }> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: "/build/prune?",
        method: "POST",
        options: { all: true },
        statusCodes: { 200: true, 500: "server error" },
      },
      (err: unknown, data: unknown) => {
        if (err) return reject(err);
        const answer = (data ?? {}) as BuildPruneAnswer;
        resolve({ deleted: answer.CachesDeleted?.length ?? 0, spaceReclaimed: answer.SpaceReclaimed ?? 0 });
      },
    );
  });
}
