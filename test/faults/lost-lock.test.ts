import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostLocks } from "../../src/deploys/host-lock.js";
import { DeployStore } from "../../src/deploys/store.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

const project = uniqueName("lost");
let port: number;
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  port = await freePort();
  // A long verification window: the lock's renewal (every 5 s) sees the theft during it, so the
  // first step after the health wait — "retiring the previous container" — finds the lock lost.
  h = await startHarness({
    [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "8s", stopTimeout: "2s" },
  });
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

async function deploy(text: string): Promise<string> {
  const since = h.slack.calls.length;
  await h.command("/deploy", text);
  return finishedDeployMessage(h.slack, since, 120_000);
}

describe("a deploy that loses its host lock after the new container passed its checks", () => {
  it("puts the previous version back and says so, instead of leaving the new one running as 'failed'", async () => {
    expect(await deploy(`${project}:v1 beta serverA`)).toContain("Deployed");
    const store = new DeployStore(redis, h.prefix);
    const locks = new HostLocks(redis, h.prefix);

    const since = h.slack.calls.length;
    await h.command("/deploy", `${project}:v2 beta serverA`);
    const deadline = Date.now() + 60_000;
    let deployId: string | undefined;
    for (;;) {
      deployId = (await store.history(project, "beta", 1))[0]?.meta.id;
      const status = deployId ? await store.getHost(deployId, "serverA") : undefined;
      if (status?.step === "waiting for health") break;
      if (Date.now() > deadline) throw new Error(`never reached the health wait: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // As after a long pause or a Redis that came back without it: another deploy holds it now.
    const key = locks.key(project, "beta", "serverA");
    await redis.set(key, "cafebabe someone-else", "PX", 60_000);
    try {
      const text = await finishedDeployMessage(h.slack, since, 120_000);
      expect(text).toContain("lost its lock on serverA");
      expect(text).toMatch(/failed; the previous version keeps serving/);
      // …and it does: one container runs, the old one, and it serves v1.
      const running = await managedContainers(h.docker.serverA, project);
      expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v1"]);
      expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });
      const status = await store.getHost(deployId as string, "serverA");
      expect(status?.state).toBe("failed");
    } finally {
      await redis.del(key);
    }
  }, 180_000);
});
