import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostLocks } from "../../src/deploys/host-lock.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { runToEnd } from "../support/ops-flow.js";

const project = uniqueName("lane");
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "1s" } });
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

/** When the project's container on serverA last started (undefined while a restart has it down). */
async function startedAt(): Promise<string | undefined> {
  const [c] = await managedContainers(h.docker.serverA, project);
  return c ? (await h.docker.serverA.getContainer(c.Id).inspect()).State.StartedAt : undefined;
}

describe("/restart on a host where a deploy of the project is under way", () => {
  it("waits for the deploy's lane, then restarts (found by the chaos soak: it raced the deploy)", async () => {
    expect(await runToEnd(h, "/deploy", `${project}:v1 beta serverA`)).toContain("Deployed");
    const before = await startedAt();
    expect(before).toBeDefined();

    // A deploy holds the lane, as one does from its first step to its last.
    const locks = new HostLocks(redis, h.prefix);
    const lock = await locks.tryAcquire(project, "beta", "serverA", "mx0deployundertest");
    if (!lock) throw new Error("the lane was not free");
    try {
      const ack = await h.command("/restart", `${project} beta serverA`);
      expect(ack.status).toBe(200);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await startedAt()).toBe(before);
    } finally {
      await lock.release();
    }
    const deadline = Date.now() + 20_000;
    while ((await startedAt()) === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await startedAt()).not.toBe(before);
  }, 90_000);
});
