import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { hostReadJobSchema, hostReadResultSchemas, isHostReadJobId } from "../../src/jobs/read-schemas.js";
import { noWorkerAnswered } from "../../src/queue/host-reads.js";
import { processHostRead } from "../../worker/read/process-read.js";

const job = { requestId: "abc123", host: "serverA", timeoutMs: 5_000 };

describe("the host-read job contract", () => {
  it("accepts one query of each kind, naming one host", () => {
    for (const query of [
      { kind: "snapshot", inspect: true, project: "a1" },
      { kind: "running", project: "a1", env: "beta" },
      { kind: "logs", project: "a1", env: "beta", tail: 100, sinceMs: 60_000 },
    ]) {
      expect(hostReadJobSchema.safeParse({ ...job, query }).success).toBe(true);
    }
  });

  it("refuses extra fields (no credentials ride along), bad names and unknown kinds", () => {
    const refused = [
      { ...job, query: { kind: "snapshot", inspect: false }, password: "x" },
      { ...job, query: { kind: "snapshot", inspect: false, tls: { key: "x" } } },
      { ...job, host: "../etc", query: { kind: "snapshot", inspect: false } },
      { ...job, query: { kind: "exec", project: "a1", env: "beta" } },
      { ...job, query: { kind: "logs", project: "a1", env: "beta", tail: 0 } },
    ];
    for (const data of refused) expect(hostReadJobSchema.safeParse(data).success).toBe(false);
  });

  it("the bot refuses a result of another shape than the kind's", () => {
    expect(
      hostReadResultSchemas.running.safeParse([{ id: "c", name: "n", digest: "d", version: "v" }]).success,
    ).toBe(true);
    expect(hostReadResultSchemas.running.safeParse({ reachable: true }).success).toBe(false);
    expect(
      hostReadResultSchemas.snapshot.safeParse({ host: "h", reachable: false, reason: "ECONNREFUSED" })
        .success,
    ).toBe(true);
  });

  it("the worker refuses an invalid job without retrying it", async () => {
    const bad = { data: { ...job, query: { kind: "snapshot" } } } as unknown as Job;
    const deps = { fleet: { hosts: {} }, hosts: {}, secretsFor: async () => [] } as never;
    await expect(processHostRead(bad, deps)).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it("names the wait when no worker answered, and tells read jobs apart", () => {
    expect(noWorkerAnswered(10_000)).toBe("no worker answered within 10s — is a worker running?");
    expect(isHostReadJobId("read-abc123-serverA")).toBe(true);
    expect(isHostReadJobId("deploy-abc123-serverA")).toBe(false);
  });
});
