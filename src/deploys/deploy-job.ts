import type { DeployJob } from "../jobs/schemas.js";

/** What one host is to run: a tag, and when known the exact digest, config revision, replicas and commit. */
export type JobTarget = {
  host: string;
  tag: string;
  digest?: string;
  configRevision?: number;
  replicas?: number;
  /** A project with `code`: the commit to mount (rollback and promote know it; else from `ref`). */
  commit?: string;
};

/** The job payload for one host of a deploy, with only the fields that are set. */
export function deployJobOf(
  deploy: { deployId: string; project: string; env: string; requestedBy: string },
  t: JobTarget,
): DeployJob {
  return {
    ...deploy,
    host: t.host,
    tag: t.tag,
    ...(t.digest ? { digest: t.digest } : {}),
    ...(t.configRevision !== undefined ? { configRevision: t.configRevision } : {}),
    ...(t.replicas !== undefined ? { replicas: t.replicas } : {}),
    ...(t.commit ? { commit: t.commit } : {}),
  };
}
