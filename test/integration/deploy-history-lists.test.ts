import { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { newDeployId } from "../../src/deploys/id.js";
import { type DeployMeta, DeployStore } from "../../src/deploys/store.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const redis = new Redis(need(readFleetEnv(), "REDIS_URL"));
const prefix = uniqueName("q");

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function meta(project: string): DeployMeta {
  return {
    id: newDeployId(),
    project,
    env: "beta",
    tag: "v1",
    hosts: ["serverA"],
    requestedBy: "UDEV",
    channel: "CBETA",
    createdAt: Date.now(),
  };
}

describe("the recent deploys the message sweep looks at", () => {
  it("come from every history list, those an older version wrote too, scanning the keyspace once per process", async () => {
    // A list as a version without the set of lists left it: no entry in `history-lists`.
    const older = newDeployId();
    await redis.lpush(`${prefix}:history:old:beta`, older);
    const first = meta("web");
    await new DeployStore(redis, prefix).create(first);

    const store = new DeployStore(redis, prefix);
    expect((await store.recentIds(5)).sort()).toEqual([older, first.id].sort());

    const later = meta("api");
    await store.create(later);
    const scan = vi.spyOn(redis, "scan");
    try {
      expect((await store.recentIds(5)).sort()).toEqual([older, first.id, later.id].sort());
      expect(scan).not.toHaveBeenCalled();
    } finally {
      scan.mockRestore();
    }
  });
});
