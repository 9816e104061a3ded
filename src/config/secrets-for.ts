import type { Fleet } from "../fleet/schema.js";
import { DEFAULT_SECRET_PATTERNS } from "../secrets/patterns.js";
import type { ConfigCipher } from "./cipher.js";
import type { ConfigStore } from "./config-store.js";
import { effectiveEnvironment } from "./effective-env.js";

export type SecretsFor = (project: string, env: string) => Promise<string[]>;

/**
 * The clear secret values of a project's current config, for masking logs and alert text.
 * Without the key the stored secrets cannot be read, so nothing stored is returned — the
 * text they would mask came from a container started with them, which needed the key anyway.
 */
export function secretsFor(fleet: Fleet, store: ConfigStore, cipher: ConfigCipher | undefined): SecretsFor {
  return async (project, env) => {
    try {
      return effectiveEnvironment({
        project,
        env,
        defaults: fleet.projects[project]?.env ?? {},
        revision: await store.revision(project, env),
        patterns: fleet.secrets?.patterns ?? DEFAULT_SECRET_PATTERNS,
        cipher,
      }).secrets;
    } catch {
      return [];
    }
  };
}
