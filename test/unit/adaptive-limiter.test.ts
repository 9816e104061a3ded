import { describe, expect, it } from "vitest";
import { adaptiveLimiter } from "../../src/concurrency.js";

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
