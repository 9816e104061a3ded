/**
 * `exec.allow` entries are command prefixes: an argv is allowed when it starts with every word of
 * one entry, word for word ("php artisan migrate" allows `php artisan migrate --force`, not
 * `php artisan tinker`). Words are compared exactly, so quoting tricks cannot widen a match.
 */
export function isAllowed(allow: readonly string[], argv: readonly string[]): boolean {
  return allow.some((entry) => {
    const words = entry.trim().split(/\s+/u);
    return words.length <= argv.length && words.every((w, i) => argv[i] === w);
  });
}
