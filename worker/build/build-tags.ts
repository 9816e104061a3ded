import { TAG_PATTERN } from "../../src/names.js";

/**
 * The tags a build gets: the requested one, or `<ref>-<short sha>` with the ref made a valid
 * tag (`feature/x` → `feature-x`); and always `sha-<full sha>`, so every commit is findable.
 */
export function buildTags(ref: string, commit: string, tag?: string): [string, string] {
  const fromRef = ref.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[.-]+/, "");
  const base = `${fromRef.slice(0, 100) || "build"}-${commit.slice(0, 7)}`;
  const chosen = tag ?? base;
  if (!TAG_PATTERN.test(chosen)) throw new Error(`"${chosen}" is not a valid image tag`);
  return [chosen, `sha-${commit}`];
}
