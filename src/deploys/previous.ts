import type { DeployRecord } from "./store.js";

/** One host's version as the deploy records know it: what a rollback deploys again. */
export type VersionOnHost = {
  host: string;
  tag: string;
  digest?: string;
  configRevision?: number;
  commit?: string;
};

/**
 * The version to go back to on one host: the newest succeeded deploy on that host runs now; the
 * target is the next older succeeded deploy there with a different digest (a redeploy of the
 * same image is not a version to go back to). `records` are newest first, as history gives them.
 */
export function previousOnHost(
  records: readonly DeployRecord[],
  host: string,
): { current?: VersionOnHost; previous?: VersionOnHost } {
  const succeeded = records.flatMap((r) => {
    const s = r.hosts[host];
    if (s?.state !== "succeeded" || !s.digest || s.replicas === 0) return [];
    return [
      {
        host,
        tag: r.meta.tag,
        digest: s.digest,
        ...(s.configRevision !== undefined ? { configRevision: s.configRevision } : {}),
        ...(s.commit ? { commit: s.commit } : {}),
      },
    ];
  });
  const [current] = succeeded;
  // A version is the image and, for a project with code, the commit mounted into it.
  const same = (t: VersionOnHost) => t.digest === current?.digest && t.commit === current?.commit;
  return { current, previous: succeeded.find((t) => !same(t)) };
}
