import type { Fleet } from "../fleet/schema.js";
import { DEFAULT_SECRET_PATTERNS } from "../secrets/patterns.js";
import type { ConfigCipher } from "./cipher.js";
import type { ConfigStore } from "./config-store.js";
import { effectiveEnvironment } from "./effective-env.js";

/**
 * `inUse`: the config revisions of the containers whose text is to be masked (their
 * `dockops.config-revision` labels) — a container not redeployed for many revisions still
 * prints the values it started with.
 */
export type SecretsFor = (project: string, env: string, inUse?: readonly number[]) => Promise<string[]>;

/** Past revisions that count besides those in use: a value rotated lately may still be in a cache, a file, a log. */
const REVISIONS_MASKED = 10;

/**
 * The clear secret values of a project's config — the latest revision's, those of the revisions
 * before it, and those of every revision a container in use runs with — for masking logs, exec
 * output and alert text. Without the key the stored secrets cannot be read, so none
 * are returned: the text they would mask came from a container started with them, which needed
 * the key anyway.
 */
export function secretsFor(fleet: Fleet, store: ConfigStore, cipher: ConfigCipher | undefined): SecretsFor {
  const source = (project: string, env: string) => ({
    project,
    env,
    defaults: fleet.projects[project]?.env ?? {},
    patterns: fleet.secrets?.patterns ?? DEFAULT_SECRET_PATTERNS,
    cipher,
  });
  return async (project, env, inUse = []) => {
    const values = new Set<string>();
    let head: number;
    try {
      head = await store.head(project, env);
    } catch {
      return [];
    }
    const first = Math.max(1, head - REVISIONS_MASKED + 1);
    const recent = Array.from({ length: Math.max(0, head - first + 1) }, (_, i) => head - i);
    // Revision 0 is "nothing stored": the fleet file's values alone.
    const wanted = new Set([...recent, ...inUse.filter((rev) => rev >= 0 && rev <= head)]);
    if (head === 0) wanted.add(0);
    for (const rev of wanted) {
      try {
        const revision = rev === 0 ? undefined : await store.revision(project, env, rev);
        for (const v of effectiveEnvironment({ ...source(project, env), revision }).secrets) values.add(v);
      } catch {
        // One unreadable revision (no key here) must not stop the others from being masked.
      }
    }
    return [...values];
  };
}
