import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDiskUsage } from "../../src/docker/disk-usage.js";
import { need } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";

/** `/prune <host>` clears the host's build cache too: made here by a BuildKit build with the docker CLI. */
const marker = uniqueName("cache");
const dir = mkdtempSync(join(tmpdir(), "dockops-build-cache-"));
const image = `dockops-test-${marker}:1`;
let h: Harness;

type DiskUsage = { BuildCache?: Array<{ Description?: string }> | null };

/** Build cache entries of serverA whose description names this test's marker. */
async function ourCacheEntries(): Promise<number> {
  const df = (await readDiskUsage(h.docker.serverA)) as DiskUsage;
  return (df.BuildCache ?? []).filter((c) => (c.Description ?? "").includes(marker)).length;
}

beforeAll(async () => {
  h = await startHarness({});
  writeFileSync(join(dir, "Dockerfile"), `FROM local/busybox:1\nRUN echo ${marker} > /marker\n`);
  execFileSync("/usr/bin/docker", ["build", "-q", "-t", image, dir], {
    env: {
      PATH: process.env.PATH ?? "",
      DOCKER_BUILDKIT: "1",
      DOCKER_HOST: need(h.fleetEnv, "HOST_A_SOCK"),
      DOCKER_CONFIG: join(dir, "docker-config"),
    },
    stdio: "pipe",
  });
}, 120_000);

afterAll(async () => {
  await h?.docker.serverA
    .getImage(image)
    .remove({ force: true })
    .catch(() => {});
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("/prune and the build cache (real daemon)", () => {
  it("removes the host's build cache and says how much", async () => {
    expect(await ourCacheEntries()).toBeGreaterThan(0);
    const { text, visibility } = await replyTo(h, "/prune", "serverA", { user: "UOPS" }, 90_000);
    expect(visibility).toBe("in_channel");
    expect(text).toMatch(
      /^:broom: <@UOPS> pruned dangling images on \*serverA\*: \d+ images and layers removed, \d+\.\d MB reclaimed\. Build cache: [1-9]\d* entries removed, \d+\.\d MB reclaimed\.$/,
    );
    expect(await ourCacheEntries()).toBe(0);
    // The image built from that cache stays: it is tagged.
    expect((await h.docker.serverA.getImage(image).inspect()).RepoTags).toContain(image);
  }, 120_000);
});
