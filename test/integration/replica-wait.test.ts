import { Job } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigStore } from "../../src/config/config-store.js";
import { deployJobOf } from "../../src/deploys/deploy-job.js";
import { newDeployId } from "../../src/deploys/id.js";
import { DeployStore } from "../../src/deploys/store.js";
import { deployJobId } from "../../src/jobs/schemas.js";
import { createRedis } from "../../src/queue/connection.js";
import { JobQueue } from "../../src/queue/queues.js";
import { confirmReplicated, markWrites } from "../../src/queue/replicas.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

/**
 * The replica wait against the fleet's Redis, which has no replica: nothing can be confirmed,
 * so every path that needs a confirmation must refuse and leave no job behind.
 */
const url = need(readFleetEnv(), "REDIS_URL");
const prefix = uniqueName("rw");
const opened: Redis[] = [];
const connect = (replicas: number) => {
  const r = createRedis(url, "client", { replicas, timeoutMs: 50 });
  opened.push(r);
  return r;
};
afterAll(async () => {
  const keys = await opened[0]?.keys(`${prefix}:*`);
  if (keys?.length) await opened[0]?.del(...keys);
  for (const r of opened) r.disconnect();
});

describe("waiting for replicas", () => {
  it("confirms at once without a policy, and reports a shortfall or a reconnect with one", async () => {
    const off = connect(0);
    expect(await confirmReplicated(off, markWrites(off))).toEqual({ ok: true });
    const on = connect(1);
    await on.set(`${prefix}:x`, "1");
    expect(await confirmReplicated(on, markWrites(on))).toEqual({
      ok: false,
      copies: 0,
      wanted: 1,
      timeoutMs: 50,
      reconnected: false,
    });
    const mark = markWrites(on);
    on.disconnect(true);
    await on.set(`${prefix}:x`, "2");
    expect(await confirmReplicated(on, mark)).toMatchObject({ ok: false, reconnected: true });
  });

  it("refuses an unconfirmed deploy and leaves no job a worker could start", async () => {
    const redis = connect(1);
    const store = new DeployStore(redis, prefix);
    const queue = new JobQueue(redis, prefix);
    const id = newDeployId();
    const hosts = ["serverA", "serverB"];
    await store.create({
      id,
      project: "p",
      env: "beta",
      tag: "v1",
      hosts,
      requestedBy: "U1",
      channel: "C",
      createdAt: Date.now(),
    });
    const jobs = hosts.map((host) =>
      deployJobOf({ deployId: id, project: "p", env: "beta", requestedBy: "U1" }, { host, tag: "v1" }),
    );
    await expect(queue.enqueueDeploys(jobs)).rejects.toThrow(/only 0 of 1 Redis replicas confirmed/);
    expect(await queue.queue.getJobCounts("waiting", "delayed", "active")).toMatchObject({
      waiting: 0,
      delayed: 0,
      active: 0,
    });
    expect(await Job.fromId(queue.queue, deployJobId(id, "serverA"))).toBeUndefined();
    await queue.close();
  });

  it("says a config change was stored but not confirmed", async () => {
    const config = new ConfigStore(connect(1), prefix);
    await expect(config.change("p", "beta", { op: "set", entries: { A: { v: "1" } } }, "U1")).rejects.toThrow(
      /config r1 of p\/beta was stored, but only 0 of 1 Redis replicas confirmed the write within 50 ms/,
    );
  });
});
