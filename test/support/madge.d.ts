// madge ships no types; this is the part of its API the import-graph tests use.
declare module "madge" {
  type MadgeResult = { obj(): Record<string, string[]> };
  export default function madge(
    path: string | string[],
    config?: Record<string, unknown>,
  ): Promise<MadgeResult>;
}
