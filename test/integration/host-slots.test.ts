import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, describe, expect, it, vi } from "vitest";
import { HostSlots } from "../../src/queue/host-slots.js";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { startWorker } from "../../worker/start-worker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const url = need(readFleetEnv(), "REDIS_URL");
const redis = new Redis(url);
const prefix = uniqueName("slot");
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const caps = { change: 2, read: 1 };

describe("host slots (real Redis)", () => {
  it("a host has at most its cap of each kind; a slot given back wakes the oldest waiter", async () => {
    const slots = new HostSlots(redis, caps, 10_000, prefix);
    expect(await slots.take("h1", "change", "j1")).toBe(true);
    expect(await slots.take("h1", "change", "j2")).toBe(true);
    expect(await slots.take("h1", "change", "j3")).toBe(false);
    // Counted apart: reads of the host and changes of another host are not held up.
    expect(await slots.take("h1", "read", "r1")).toBe(true);
    expect(await slots.take("h2", "change", "k1")).toBe(true);
    // An earlier run of a job that holds a slot (its worker died) takes it again.
    expect(await slots.take("h1", "change", "j1")).toBe(true);

    expect(await slots.parked("h1", "change", "j4", 200)).toBe(false);
    expect(await slots.parked("h1", "change", "j3", 100)).toBe(false);
    expect(await slots.release("h1", "change", "j1")).toEqual(["j3"]);
    expect(await slots.holders("h1", "change")).toEqual(["j2"]);
    // The freed slot is not reserved: whoever takes it first has it; the rest wait on.
    expect(await slots.take("h1", "change", "j3")).toBe(true);
    expect(await slots.release("h1", "change", "j5")).toEqual([]);
    expect(await slots.release("h1", "change", "j2")).toEqual(["j4"]);
  });

  it("a job that parks after the slot came free wakes itself, and is not listed", async () => {
    const slots = new HostSlots(redis, caps, 10_000, prefix);
    expect(await slots.take("h3", "read", "r1")).toBe(true);
    expect(await slots.take("h3", "read", "r2")).toBe(false);
    await slots.release("h3", "read", "r1");
    expect(await slots.parked("h3", "read", "r2", 1)).toBe(true);
    expect(await slots.nextWaiters("h3", "read", 5)).toEqual([]);
  });

  it("the slots of a killed worker come free once they expire", async () => {
    const slots = new HostSlots(redis, caps, 400, prefix);
    // Taken and never renewed or given back, as by a worker killed mid-job.
    expect(await slots.take("h4", "read", "dead")).toBe(true);
    expect(await slots.take("h4", "read", "next")).toBe(false);
    const started = Date.now();
    while (!(await slots.take("h4", "read", "next"))) {
      expect(Date.now() - started).toBeLessThan(5_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Renewed, a slot's expiry moves on, on Redis's clock (read from Redis, not timed here:
    // a busy machine may sleep past a short expiry before the renewal runs).
    const holders = `${prefix}:host-slots:read:h4`;
    const first = Number(await redis.zscore(holders, "next"));
    await new Promise((r) => setTimeout(r, 100));
    await slots.renew("h4", "read", "next");
    expect(Number(await redis.zscore(holders, "next"))).toBeGreaterThanOrEqual(first + 99);
    expect(await slots.take("h4", "read", "other")).toBe(false);
  });
});

describe("a worker gated by host slots", () => {
  it("runs at most the cap for one host, never holds a worker slot waiting for it, and loses no job", async () => {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
    const running = new Map<string, number>();
    let most = 0;
    const order: string[] = [];
    const gates: Array<() => void> = [];
    const worker = startWorker(
      connection,
      {
        slow: async (job: Job) => {
          const host = String(job.data.host);
          running.set(host, (running.get(host) ?? 0) + 1);
          most = Math.max(most, running.get("busy") ?? 0);
          order.push(`start ${job.data.n}`);
          try {
            // Held until the test lets it go, like a call to a daemon that hangs.
            if (host === "busy") await new Promise<void>((r) => gates.push(r));
            if (job.data.n === 1) throw new Error("failed on purpose");
            return job.data.n;
          } finally {
            running.set(host, (running.get(host) ?? 1) - 1);
          }
        },
      },
      pino({ level: "silent" }),
      { concurrency: 4, prefix, lockMs: 5_000, hostCaps: caps },
    );
    try {
      const busy = await queue.addBulk(
        [1, 2, 3, 4, 5, 6].map((n) => ({
          name: "slow",
          data: { host: "busy", n },
          opts: { jobId: `busy-${n}`, attempts: 1 },
        })),
      );
      await waitUntil(() => gates.length === 2);
      // What /jobs says of a parked job, until it runs.
      await waitUntil(async () => stepOf(await queue.getJob("busy-6")) === "waiting for a free slot on busy");
      // Four busy-host jobs for four worker slots, yet another host's job runs at once.
      await queue.add("slow", { host: "other", n: 7 }, { jobId: "other-7" });
      await waitUntil(async () => (await queue.getJob("other-7"))?.finishedOn !== undefined);
      expect(gates.length).toBe(2);
      // Each finished job hands its slot to a parked one.
      while (order.filter((o) => o.startsWith("start") && o !== "start 7").length < 6 || gates.length > 0) {
        gates.shift()?.();
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitUntil(async () => (await queue.getJobCountByTypes("completed", "failed")) === 7);
      expect(most).toBe(caps.change);
      const states = await Promise.all(busy.map((j) => queue.getJob(j.id ?? "").then((x) => x?.getState())));
      expect(states).toEqual(["failed", "completed", "completed", "completed", "completed", "completed"]);
      const steps = await Promise.all(busy.map(async (j) => stepOf(await queue.getJob(j.id ?? ""))));
      expect(steps).toEqual(busy.map(() => undefined));
      expect(await new HostSlots(redis, caps, 5_000, prefix).holders("busy", "change")).toEqual([]);
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  });
});

describe("a job parked by the gate after its lock was lost", () => {
  it("is not failed: stalled-job recovery hands it out again and it completes once", async () => {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: redis, prefix });
    const runs = new Map<string, number>();
    let letGo: (() => void) | undefined;
    const errors: string[] = [];
    // As after a Sentinel failover whose new master never got the lock: it is gone just as the
    // gate parks the job (park.ts parks deploys the same way and is covered by the failover test).
    const parkOf = Job.prototype.moveToDelayed;
    let dropped = false;
    const spy = vi.spyOn(Job.prototype, "moveToDelayed").mockImplementation(async function (
      this: Job,
      timestamp: number,
      token?: string,
    ) {
      if (this.id === "lockless" && !dropped) {
        dropped = true;
        await redis.del(`${prefix}:${QUEUE_NAME}:${this.id}:lock`);
      }
      return parkOf.call(this, timestamp, token);
    });
    const worker = startWorker(
      connection,
      {
        slow: async (job: Job) => {
          runs.set(String(job.id), (runs.get(String(job.id)) ?? 0) + 1);
          if (job.id === "holder") await new Promise<void>((r) => (letGo = r));
          return job.id;
        },
      },
      pino({ level: "silent" }),
      { concurrency: 2, prefix, lockMs: 2_000, hostCaps: { change: 1, read: 1 } },
    );
    worker.on("error", (err) => errors.push(err.message));
    try {
      await queue.add("slow", { host: "lost" }, { jobId: "holder", attempts: 1 });
      await waitUntil(() => letGo !== undefined);
      // Retried with a backoff, as deploys are: a failure here would be retried, not lost.
      await queue.add("slow", { host: "lost" }, { jobId: "lockless", attempts: 3, backoff: 100 });
      await waitUntil(() => dropped);
      // Handed out again by the stalled-job check, it finds the host still busy and parks.
      await waitUntil(async () => (await queue.getJob("lockless"))?.stalledCounter === 1);
      await waitUntil(async () => (await queue.getJob("lockless").then((j) => j?.getState())) === "delayed");
      expect(runs.get("lockless")).toBeUndefined();
      letGo?.();
      await waitUntil(async () => (await queue.getJob("lockless"))?.finishedOn !== undefined);
      const job = await queue.getJob("lockless");
      expect(await job?.getState()).toBe("completed");
      expect(job?.returnvalue).toBe("lockless");
      expect(runs.get("lockless")).toBe(1);
      expect(errors.some((e) => e.startsWith("Missing lock for job lockless"))).toBe(true);
      expect(await new HostSlots(redis, caps, 5_000, prefix).holders("lost", "change")).toEqual([]);
    } finally {
      spy.mockRestore();
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  });
});

function stepOf(job: Job | undefined): unknown {
  return (job?.progress as { step?: unknown } | undefined)?.step;
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
