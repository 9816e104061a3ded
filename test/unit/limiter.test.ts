import { describe, expect, it } from "vitest";
import { adaptiveLimiter, limiter } from "../../src/concurrency.js";

describe("limiter", () => {
  it("runs at most `limit` tasks at once, the others in arrival order, and passes results and errors through", async () => {
    const inTurn = limiter(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 3) throw new Error("task 3 failed");
      return i * 10;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => inTurn(task(i))));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      0,
      10,
      20,
      "task 3 failed",
      40,
      50,
    ]);
    // Every slot was given back: a new task starts at once.
    let ran = false;
    await inTurn(async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});

describe("adaptiveLimiter", () => {
  /** Holds the event loop for `ms`, as a burst of synchronous work does. */
  const block = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {}
  };

  it("lets in up to `max` while the event loop keeps up, fewer while it lags, and `max` again when idle", async () => {
    const gate = adaptiveLimiter({ max: 8, lagMs: 20, everyMs: 10 });
    expect(gate.limit()).toBe(8);
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const running = Array.from({ length: 4 }, () => gate.run(() => held));
    // Two periods blocked well past the delay allowed: the limit halves each time it is read.
    await new Promise((r) => setTimeout(r, 15));
    block(60);
    await new Promise((r) => setTimeout(r, 0));
    block(60);
    await new Promise((r) => setTimeout(r, 5));
    expect(gate.limit()).toBeLessThan(8);
    // Tasks arriving now wait for a slot rather than start at once.
    let started = 0;
    const more = Array.from({ length: 8 }, () =>
      gate.run(async () => {
        started++;
      }),
    );
    expect(started).toBe(0);
    release();
    await Promise.all([...running, ...more]);
    expect(started).toBe(8);
    // Idle again: the next task finds the whole limit.
    expect(gate.limit()).toBe(8);
  });

  it("passes results and errors through, in arrival order", async () => {
    const gate = adaptiveLimiter({ max: 1, lagMs: 20 });
    const order: number[] = [];
    const results = await Promise.allSettled(
      [0, 1, 2].map((i) =>
        gate.run(async () => {
          order.push(i);
          if (i === 1) throw new Error("task 1 failed");
          return i;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      0,
      "task 1 failed",
      2,
    ]);
  });
});
