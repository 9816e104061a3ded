import { type Job, UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { deploysTotal, metricsRegistry, timedProcessors } from "../../src/metrics.js";

const job = (attemptsMade: number, attempts = 3) => ({ attemptsMade, opts: { attempts } }) as unknown as Job;
const value = async (
  metric: { get: () => Promise<{ values: Array<{ labels: object; value: number }> }> },
  labels: object,
) => (await metric.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;

describe("job metrics", () => {
  it("times every attempt and counts a deploy's final outcome once", async () => {
    const p = timedProcessors({
      deploy: async (j: Job) => {
        if (j.attemptsMade === 0) throw new Error("host blinked"); // retried: not final
        if (j.attemptsMade === 1) throw new UnrecoverableError("health check failed");
        return "ok";
      },
    });
    await expect(p.deploy(job(0))).rejects.toThrow("host blinked");
    expect(await value(deploysTotal, { outcome: "failed" })).toBe(0);
    await expect(p.deploy(job(1))).rejects.toThrow("health check failed");
    expect(await value(deploysTotal, { outcome: "failed" })).toBe(1);
    await p.deploy(job(2));
    expect(await value(deploysTotal, { outcome: "succeeded" })).toBe(1);
    const text = await metricsRegistry.metrics();
    expect(text).toContain('dockops_job_duration_seconds_count{kind="deploy",outcome="failed"} 2');
    expect(text).toContain('dockops_job_duration_seconds_count{kind="deploy",outcome="succeeded"} 1');
  });
});
