/** Keys whose values are secret unless the fleet file's `secrets.patterns` says otherwise. */
export const DEFAULT_SECRET_PATTERNS = ["*_PASSWORD", "*_TOKEN", "*_KEY", "*SECRET*"];

/** A pattern is a key name in which `*` stands for any run of characters. */
export const SECRET_PATTERN_SYNTAX = /^[A-Za-z0-9_*]{1,128}$/;

/** Whether `key` matches one of `patterns` (case-insensitive, `*` = anything). */
export function matchesSecretPattern(key: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const body = pattern
      .split("*")
      .map((part) => part.replace(/[^A-Za-z0-9_]/g, ""))
      .join(".*");
    return new RegExp(`^${body}$`, "i").test(key);
  });
}
