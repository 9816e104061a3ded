import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebClient } from "@slack/web-api";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployService } from "../../src/core/deploy-service.js";
import { ephemeral } from "../../src/core/message.js";
import { EnvLocks } from "../../src/deploys/env-lock.js";
import { newDeployId } from "../../src/deploys/id.js";
import { DeployStore } from "../../src/deploys/store.js";
import { createLogger } from "../../src/log.js";
import { createRedis } from "../../src/queue/connection.js";
import { JobQueue, QUEUE_NAME } from "../../src/queue/queues.js";
import { ShellChat } from "../../src/shell/shell-chat.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { startRedisServer } from "../support/redis-server.js";

/**
 * Found by the chaos soak: deploys whose job ended without our code running kept a record that
 * said "running" or "queued" for good, and a message that said "Deploying". Here no worker of
 * ours runs: the test plays the worker that froze, or the bot that died before enqueueing.
 */
const project = uniqueName("recon");
let h: Harness;
let redis: Redis;
let store: DeployStore;

beforeAll(async () => {
  h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "1s" } }, { roles: ["bot"] });
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
  store = new DeployStore(redis, h.prefix);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

async function finalHost(deployId: string, host: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const status = await store.getHost(deployId, host);
    if (status && ["succeeded", "failed", "superseded"].includes(status.state)) return status;
    if (Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Plays a worker that takes the deploy's job on serverA and records it running at `step`. */
async function takeJob(deployId: string, token: string, step: string, lockDuration?: number) {
  const worker = new Worker(QUEUE_NAME, null, {
    connection: createRedis(h.fleetEnv.REDIS_URL as string, "worker"),
    prefix: h.prefix,
    ...(lockDuration ? { lockDuration } : {}),
  });
  const job = await worker.getNextJob(token);
  expect(job?.id).toBe(`deploy-${deployId}-serverA`);
  await store.setHost(deployId, "serverA", { state: "running", step, startedAt: Date.now() });
  return { worker, job };
}

describe("a deploy whose job ended without the worker saying so", () => {
  it("is recorded failed when BullMQ fails its job as stalled, and its message says so", async () => {
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project}:v1 beta serverA`);
    const deadline = Date.now() + 10_000;
    while ((await store.history(project, "beta", 1)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const deployId = (await store.history(project, "beta", 1))[0]?.meta.id as string;
    // A worker takes the job, starts, then freezes: it never renews BullMQ's lock on the job.
    const { worker: frozen, job } = await takeJob(deployId, "frozen-token", "pulling image", 1_000);
    // Another worker's stalled-job check finds the lock gone and (no stall allowed) fails the job.
    const checker = new Worker(
      QUEUE_NAME,
      async () => {
        throw new Error("this test's checker runs no job");
      },
      {
        connection: createRedis(h.fleetEnv.REDIS_URL as string, "worker"),
        prefix: h.prefix,
        lockDuration: 1_000,
        stalledInterval: 300,
        maxStalledCount: 0,
      },
    );
    try {
      const status = await finalHost(deployId, "serverA", 30_000);
      expect(await job?.getState()).toBe("failed");
      expect(status?.state).toBe("failed");
      expect(status?.error).toContain("job stalled more than allowable limit");
      expect(await finishedDeployMessage(h.slack, before, 45_000)).toMatch(/^:x:/);
    } finally {
      await checker.close();
      await frozen.close(true);
    }
  }, 90_000);

  it("is recorded failed ('not started') when its record was stored but its job never queued", async () => {
    // What a bot killed between storing the record and enqueueing leaves: a record, no job.
    const before = h.slack.calls.length;
    const posted = await new WebClient("xoxb-test", { slackApiUrl: h.slack.apiUrl }).chat.postMessage({
      channel: "CBETA",
      text: "Deploying",
    });
    const ref = { channel: "CBETA", ts: String(posted.ts) };
    const deployId = newDeployId();
    await store.create({
      id: deployId,
      project,
      env: "beta",
      tag: "v1",
      hosts: ["serverA", "serverB"],
      requestedBy: "U1",
      channel: "CBETA",
      createdAt: Date.now() - 2 * 60_000,
      message: ref,
    });
    // The bot's sweep runs every 15 s.
    const status = await finalHost(deployId, "serverB", 40_000);
    expect(status?.state).toBe("failed");
    expect(status?.error).toMatch(/^not started/);
    expect((await store.getHost(deployId, "serverA"))?.state).toBe("failed");
    expect(await finishedDeployMessage(h.slack, before, 45_000)).toMatch(/^:x:/);
  }, 60_000);

  it("is recorded failed ('not started') at once when enqueueing fails", async () => {
    // The queue's Redis goes away after the record is stored: its own redis-server, killed.
    const server = await startRedisServer({
      port: await freePort(),
      dir: mkdtempSync(join(tmpdir(), "recon-")),
    });
    const down = createRedis(server.url, "producer");
    const queue = new JobQueue(down, h.prefix);
    await queue.queue.waitUntilReady();
    await server.kill();
    const service = new DeployService({
      store,
      queue,
      chat: new ShellChat(() => {}),
      log: createLogger("silent"),
      locks: new EnvLocks(redis, h.prefix),
      preview: async () => ephemeral(""),
    });
    try {
      await service.run({
        project,
        env: "beta",
        image: "web",
        tag: "v1",
        targets: [{ host: "serverA", tag: "v1" }],
        requestedBy: "U1",
        channel: "CBETA",
        dryRun: false,
      });
      const record = (await store.history(project, "beta", 1))[0];
      expect(record?.hosts.serverA?.state).toBe("failed");
      expect(record?.hosts.serverA?.error).toMatch(/^not started: /);
    } finally {
      down.disconnect();
      await server.kill();
    }
  }, 30_000);

  it("is not run again once an attempt recorded its failure, even when its job comes round again", async () => {
    // Found by the chaos soak: Redis went away as an attempt failed, so BullMQ never learnt the
    // job ended and ran it again; the message had said "failed" and the deploy then went ahead.
    await h.command("/deploy", `${project}:v1 beta serverA`);
    const deadline = Date.now() + 10_000;
    let deployId: string | undefined;
    while (!deployId && Date.now() < deadline) {
      const newest = (await store.history(project, "beta", 1))[0];
      if (newest && newest.hosts.serverA?.state !== "failed") deployId = newest.meta.id;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!deployId) throw new Error("the deploy was not recorded");
    await store.setHost(deployId, "serverA", {
      state: "failed",
      error: "the health check failed (an earlier attempt)",
      startedAt: Date.now() - 5_000,
      finishedAt: Date.now() - 1_000,
    });
    const queue = new Queue(QUEUE_NAME, {
      connection: createRedis(h.fleetEnv.REDIS_URL as string, "producer"),
      prefix: h.prefix,
    });
    const worker = await h.spawn(["worker"]);
    try {
      const job = await queue.getJob(`deploy-${deployId}-serverA`);
      const ended = Date.now() + 30_000;
      while ((await job?.getState()) !== "failed" && Date.now() < ended)
        await new Promise((r) => setTimeout(r, 200));
      const after = await store.getHost(deployId, "serverA");
      expect(after?.state).toBe("failed");
      expect(after?.error).toBe("the health check failed (an earlier attempt)");
      expect((await queue.getJob(`deploy-${deployId}-serverA`))?.failedReason).toBe(
        "the health check failed (an earlier attempt)",
      );
      expect(await managedContainers(h.docker.serverA, project)).toEqual([]);
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 90_000);

  it("is recorded succeeded when its job completed but the record's last write was lost", async () => {
    // Found by the Sentinel failover test: the worker wrote "succeeded" to the old master just
    // after the switch (lost), then completed the job on the new one; the message stayed at
    // "retiring the previous container" for good.
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project}:v1 beta serverA`);
    const deadline = Date.now() + 10_000;
    let deployId: string | undefined;
    while (!deployId && Date.now() < deadline) {
      const newest = (await store.history(project, "beta", 1))[0];
      if (newest && !newest.hosts.serverA?.error) deployId = newest.meta.id;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!deployId) throw new Error("the deploy was not recorded");
    const { worker, job } = await takeJob(deployId, "lost-write", "retiring the previous container");
    try {
      const containerName = `${project}-beta-${deployId}`;
      await job?.moveToCompleted(
        {
          host: "serverA",
          digest: "sha256:feed",
          containerId: "c",
          containerName,
          replaced: [],
          durationMs: 1,
        },
        "lost-write",
        false,
      );
      // The bot's sweep runs every 15 s.
      const status = await finalHost(deployId, "serverA", 40_000);
      expect(status?.state).toBe("succeeded");
      expect(status?.containerName).toBe(containerName);
      expect(await finishedDeployMessage(h.slack, before, 45_000)).toMatch(/^:white_check_mark: Deployed/);
    } finally {
      await worker.close(true);
    }
  }, 90_000);
});
