import type { Fleet } from "../fleet/schema.js";
import { DEFAULT_SECRET_PATTERNS } from "../secrets/patterns.js";
import type { ConfigCipher } from "./cipher.js";
import type { ConfigStore } from "./config-store.js";
import { effectiveEnvironment } from "./effective-env.js";

export type SecretsFor = (project: string, env: string) => Promise<string[]>;

/** How many past revisions still count: a container not redeployed since may print their values. */
const REVISIONS_MASKED = 10;

/**
 * The clear secret values of a project's config — the latest revision's and those of the
 * revisions before it, since a running container may still hold an older value — for masking
 * logs, exec output and alert text. Without the key the stored secrets cannot be read, so none
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
  return async (project, env) => {
    const values = new Set<string>();
    try {
      const head = await store.head(project, env);
      const first = Math.max(1, head - REVISIONS_MASKED + 1);
      for (let rev = head; rev >= first; rev--) {
        const revision = await store.revision(project, env, rev);
        for (const v of effectiveEnvironment({ ...source(project, env), revision }).secrets) values.add(v);
      }
      if (head === 0) {
        for (const v of effectiveEnvironment({ ...source(project, env), revision: undefined }).secrets) {
          values.add(v);
        }
      }
    } catch {
      return [...values];
    }
    return [...values];
  };
}
