import { describe, expect, it } from "vitest";
import { PullTracker } from "../../src/docker/pull-progress.js";

describe("pull progress", () => {
  it("counts layers and bytes from Docker's pull stream", () => {
    const t = new PullTracker();
    expect(t.add({ status: "Pulling from web", id: "v1" })).toBeUndefined();
    expect(t.add({ status: "Pulling fs layer", id: "a" })).toBe("pulling image (0/1 layers)");
    t.add({ status: "Already exists", id: "b" });
    t.add({ status: "Pulling fs layer", id: "c" });
    expect(
      t.add({ status: "Downloading", id: "a", progressDetail: { current: 1_000_000, total: 4_000_000 } }),
    ).toBe("pulling image (1/3 layers, 1.0/4.0 MB)");
    t.add({ status: "Download complete", id: "a" });
    expect(t.add({ status: "Pull complete", id: "a" })).toBe("pulling image (2/3 layers, 4.0/4.0 MB)");
    t.add({ status: "Pull complete", id: "c" });
    expect(t.summary()).toBe("pulling image (3/3 layers, 4.0/4.0 MB)");
    expect(t.add({ status: "Digest: sha256:abc" })).toBeUndefined();
  });
});
