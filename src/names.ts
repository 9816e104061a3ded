/**
 * Strict patterns for every name that reaches Docker or Redis. Names come from chat text and
 * the fleet file; checking them here means nothing downstream has to escape anything.
 */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A repository path in a registry: lowercase components separated by slashes. */
export const REPOSITORY_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/** A full git commit id, as a deploy of a project's code pins it. */
export const COMMIT_PATTERN = /^[0-9a-f]{40}$/;

/** The 7 characters git itself shows for a commit. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}
