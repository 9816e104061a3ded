/**
 * Replaces ${VAR} and ${VAR:-default} in every string of a parsed YAML document.
 * An unset variable without a default becomes "" and is reported, so start-up can warn
 * ("registry.username uses REGISTRY_USERNAME, which is not set") instead of failing.
 */
export function interpolate(
  value: unknown,
  env: Record<string, string | undefined>,
  missing: string[] = [],
): { value: unknown; missing: string[] } {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      return v.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
        (_m, key: string, fallback?: string) => {
          const found = env[key];
          if (found !== undefined && found !== "") return found;
          if (fallback !== undefined) return fallback;
          missing.push(key);
          return "";
        },
      );
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value), missing };
}
