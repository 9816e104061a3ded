import { describe, expect, it } from "vitest";
import { limiter } from "../../src/concurrency.js";

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
