const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** The size syntax of `docker run --memory`: a whole number with an optional b, k, m, g or t. */
export const SIZE_PATTERN = /^(\d+)([bkmgt]?)$/i;

/** "512m" → 536870912; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[(match[2] ?? "").toLowerCase()] ?? 1);
}
