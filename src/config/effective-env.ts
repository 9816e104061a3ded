import { matchesSecretPattern } from "../secrets/patterns.js";
import { type ConfigCipher, secretAad } from "./cipher.js";
import type { ConfigRevision } from "./config-store.js";

/** What a container runs with; `secrets` are the clear secret values, to mask logs and errors. */
export type EffectiveEnvironment = { values: Record<string, string>; secrets: string[] };

export class MissingKeyError extends Error {
  constructor(what: string) {
    super(
      `${what} holds secrets but CONFIG_ENCRYPTION_KEY is not set here; set it (the same key as the bot's)`,
    );
    this.name = "MissingKeyError";
  }
}

/** Where an environment's config comes from: fleet defaults, a stored revision, how to read secrets. */
export type ConfigSource = {
  project: string;
  env: string;
  defaults: Record<string, string>;
  revision: ConfigRevision | undefined;
  patterns: readonly string[];
  cipher: ConfigCipher | undefined;
};

/** The project's `env` from the fleet file, overlaid with the stored config revision. */
export function effectiveEnvironment(input: ConfigSource): EffectiveEnvironment {
  const values = { ...input.defaults };
  const secrets = Object.entries(input.defaults)
    .filter(([key]) => matchesSecretPattern(key, input.patterns))
    .map(([, value]) => value);
  for (const [key, entry] of Object.entries(input.revision?.entries ?? {})) {
    if (!entry.s) {
      values[key] = entry.v;
      continue;
    }
    if (!input.cipher) throw new MissingKeyError(`the config of ${input.project}/${input.env}`);
    const clear = input.cipher.decrypt(entry.v, secretAad(input.project, input.env, key));
    values[key] = clear;
    secrets.push(clear);
  }
  return { values, secrets };
}
