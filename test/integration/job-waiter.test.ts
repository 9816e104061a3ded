import { Queue, QueueEvents, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobWaiter } from "../../src/queue/job-waiter.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const connection = { url: need(readFleetEnv(), "REDIS_URL"), maxRetriesPerRequest: null };
const prefix = uniqueName("wait");
const name = "jobs";
let queue: Queue;
let events: QueueEvents;
let waiter: JobWaiter;

beforeAll(async () => {
  queue = new Queue(name, { connection, prefix });
  events = new QueueEvents(name, { connection, prefix });
  await events.waitUntilReady();
  waiter = new JobWaiter(queue, events);
});
afterAll(async () => {
  await queue.obliterate({ force: true });
  await Promise.all([queue.close(), events.close()]);
});

describe("waiting for jobs from the queue's events (real Redis)", () => {
  it("gives each waiter its job's result or failure, one that finished before the wait, and pending on timeout", async () => {
    const done = await queue.add("x", { n: 0 }, { jobId: "early" });
    const worker = new Worker(
      name,
      async (job) => {
        if (job.data.n === 2) throw new Error("no such container");
        await new Promise((r) => setTimeout(r, 50));
        return { doubled: job.data.n * 2, text: "{not json" };
      },
      { connection, prefix, concurrency: 4 },
    );
    try {
      await done.waitUntilFinished(events, 10_000);
      const jobs = await Promise.all([1, 2, 3].map((n) => queue.add("x", { n }, { jobId: `j${n}` })));
      const outcomes = await Promise.all([
        waiter.wait("early", 5_000),
        ...jobs.map((j) => waiter.wait(j.id as string, 5_000)),
      ]);
      expect(outcomes).toEqual([
        { state: "completed", result: { doubled: 0, text: "{not json" } },
        { state: "completed", result: { doubled: 2, text: "{not json" } },
        { state: "failed", reason: "no such container" },
        { state: "completed", result: { doubled: 6, text: "{not json" } },
      ]);
    } finally {
      await worker.close();
    }
    // No worker now: the job stays waiting and the wait ends as pending, on time.
    await queue.add("x", { n: 4 }, { jobId: "orphan" });
    const started = Date.now();
    expect(await waiter.wait("orphan", 300)).toEqual({ state: "pending" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
