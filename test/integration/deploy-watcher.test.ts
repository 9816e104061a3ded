import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { DeployWatcher } from "../../src/core/deploy-watcher.js";
import type { Chat, Message, MessageRef } from "../../src/core/message.js";
import { DeployStore } from "../../src/deploys/store.js";
import { createLogger } from "../../src/log.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const url = need(readFleetEnv(), "REDIS_URL");
const connection = { url, maxRetriesPerRequest: null };
const prefix = uniqueName("watch");
const redis = new Redis(url);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A chat that keeps what it was asked to show, like the shell's. */
class RecordingChat implements Chat {
  readonly updates: { at: number; text: string }[] = [];
  async post(): Promise<MessageRef> {
    return { channel: "C", ts: "1" };
  }
  async update(_ref: MessageRef, message: Message): Promise<void> {
    this.updates.push({ at: Date.now(), text: message.text });
  }
  async upload(): Promise<void> {}
  async uploadImage(): Promise<string | undefined> {
    return undefined;
  }
}

describe("the deploy message follows the record (real Redis, real queue events)", () => {
  it("shows the outcome as soon as the job ends, not after the progress throttle", async () => {
    const store = new DeployStore(redis, prefix);
    const chat = new RecordingChat();
    const queue = new Queue("deploys", { connection, prefix });
    const events = new QueueEvents("deploys", { connection, prefix });
    await events.waitUntilReady();
    // A minute between progress updates: only the end of the job can make the outcome show now.
    const watcher = new DeployWatcher(
      events,
      store,
      chat,
      createLogger("silent"),
      undefined,
      60_000,
      600_000,
    );
    watcher.start();
    const id = "mx0watch0001";
    await store.create({
      id,
      project: "a1",
      env: "beta",
      tag: "v2",
      hosts: ["serverA"],
      requestedBy: "U1",
      channel: "C",
      createdAt: Date.now(),
      message: { channel: "C", ts: "1" },
    });
    const worker = new Worker(
      "deploys",
      async (job) => {
        await job.updateProgress({ step: "pulling image" });
        await store.setHost(id, "serverA", {
          state: "running",
          step: "pulling image",
          startedAt: Date.now(),
        });
        await new Promise((r) => setTimeout(r, 300));
        await store.setHost(id, "serverA", {
          state: "succeeded",
          containerName: "a1-beta-x",
          startedAt: Date.now() - 300,
          finishedAt: Date.now(),
        });
        return {};
      },
      { connection, prefix },
    );
    try {
      const started = Date.now();
      await queue.add("deploy", {}, { jobId: `deploy-${id}-serverA` });
      while (!chat.updates.some((u) => u.text.startsWith(":white_check_mark:"))) {
        if (Date.now() - started > 30_000)
          throw new Error(`no final update: ${JSON.stringify(chat.updates)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Shown final: the sweep has nothing left to bring up to date.
      expect(await watcher.catchUp()).toBe(0);
    } finally {
      watcher.stop();
      await worker.close();
      await Promise.all([queue.obliterate({ force: true }), events.close()]);
      await queue.close();
    }
  });

  it("is brought up to date by the sweep when the record changes after its final rendering", async () => {
    // Found by the chaos soak: an attempt whose end was lost with Redis was shown failed, then
    // re-run; the message kept "Deploying" because it had once been marked final.
    const store = new DeployStore(redis, prefix);
    const chat = new RecordingChat();
    const events = new QueueEvents("deploys", { connection, prefix });
    await events.waitUntilReady();
    const watcher = new DeployWatcher(
      events,
      store,
      chat,
      createLogger("silent"),
      undefined,
      60_000,
      600_000,
    );
    const id = "mx0watch0002";
    try {
      await store.create({
        id,
        project: "a1",
        env: "beta",
        tag: "v2",
        hosts: ["serverA"],
        requestedBy: "U1",
        channel: "C",
        createdAt: Date.now(),
        message: { channel: "C", ts: "2" },
      });
      await store.setHost(id, "serverA", {
        state: "failed",
        error: "first attempt",
        startedAt: 1,
        finishedAt: 2,
      });
      expect(await watcher.catchUp()).toBe(1);
      expect(chat.updates.at(-1)?.text).toMatch(/^:x:/);
      expect(await watcher.catchUp()).toBe(0);

      await store.setHost(id, "serverA", {
        state: "succeeded",
        containerName: "a1-beta-x",
        startedAt: 1,
        finishedAt: 3,
      });
      expect(await watcher.catchUp()).toBe(1);
      expect(chat.updates.at(-1)?.text).toMatch(/^:white_check_mark:/);
    } finally {
      watcher.stop();
      await events.close();
    }
  });

  it("keeps bringing messages up to date while Slack holds up the update of one of them", async () => {
    // Found by the chaos soak: sweeps waited one behind the other for an update Slack kept
    // refusing (its client retries for minutes), and every later message stayed "Deploying".
    const store = new DeployStore(redis, prefix);
    const held = "mx0watch0003";
    const other = "mx0watch0004";
    const chat = new RecordingChat();
    const stuck: Chat = {
      ...chat,
      post: () => chat.post(),
      upload: () => chat.upload(),
      uploadImage: () => chat.uploadImage(),
      update: (ref, message) => (ref.ts === "3" ? new Promise<void>(() => {}) : chat.update(ref, message)),
    };
    const events = new QueueEvents("deploys", { connection, prefix });
    await events.waitUntilReady();
    const watcher = new DeployWatcher(events, store, stuck, createLogger("silent"), undefined, 60_000, 1_000);
    try {
      for (const [id, ts] of [
        [held, "3"],
        [other, "4"],
      ] as const) {
        await store.create({
          id,
          project: "a1",
          env: "beta",
          tag: "v2",
          hosts: ["serverA"],
          requestedBy: "U1",
          channel: "C",
          createdAt: Date.now(),
          message: { channel: "C", ts },
        });
        await store.setHost(id, "serverA", { state: "failed", error: "no", startedAt: 1, finishedAt: 2 });
      }
      expect(await watcher.catchUp()).toBe(2);
      expect(chat.updates.at(-1)?.text).toMatch(/^:x:/);
      const shown = chat.updates.length;
      // The held one is still in flight: a second sweep skips it and updates the other.
      await store.setHost(other, "serverA", {
        state: "succeeded",
        containerName: "a1-beta-y",
        startedAt: 1,
        finishedAt: 3,
      });
      expect(await watcher.catchUp()).toBe(1);
      expect(chat.updates.length).toBe(shown + 1);
      expect(chat.updates.at(-1)?.text).toMatch(/^:white_check_mark:/);
    } finally {
      watcher.stop();
      await events.close();
    }
  });
});
