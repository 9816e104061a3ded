import { describe, expect, it } from "vitest";
import { tagsByDate } from "../../src/registry/tags-by-date.js";

const built: Record<string, number | undefined> = {
  v1: 100,
  v2: 300,
  latest: 100,
  hotfix: 200,
  odd: undefined,
};
const registry = (delayMs = 0) => ({
  imageInfo: async (_repo: string, tag: string) => {
    await new Promise((r) => setTimeout(r, delayMs));
    const created = built[tag];
    return { tag, digest: `sha256:${"0".repeat(64)}`, ...(created !== undefined ? { created } : {}) };
  },
});

describe("tags by build time", () => {
  it("puts the newest build first; ties and undated tags keep the given order", async () => {
    expect(await tagsByDate(registry(), "web", ["latest", "v2", "v1", "odd", "hotfix"], 1_000)).toEqual([
      "v2",
      "hotfix",
      "latest",
      "v1",
      "odd",
    ]);
  });

  it("keeps the given order when the registry is slower than the budget", async () => {
    expect(await tagsByDate(registry(200), "web", ["latest", "v2", "v1"], 20)).toEqual([
      "latest",
      "v2",
      "v1",
    ]);
  });
});
