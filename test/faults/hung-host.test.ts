import { type Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import type { Fleet } from "../../src/fleet/schema.js";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { dockerFor, removeProject } from "../support/docker.js";
import { readFleetEnv } from "../support/fleet-env.js";
import { claimFaultHost, type FaultHostClaim, freezeHost } from "../support/frozen-host.js";
import { faultHostInput, type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { ask, deployed, storeOf } from "../support/ops-read.js";

// Host f is the fleet's fault host (no other file deploys to it); monitor-host.test.ts stops it,
// so each claims it for its whole run.
const HUNG = "serverF";
const CONCURRENCY = 4;
const fast = uniqueName("hga");
// More jobs for the hung host than the worker has slots (deploys, restarts, reads): without a
// per-host cap they take every one.
const hungDeploys = Array.from({ length: CONCURRENCY }, () => uniqueName("hgf"));
const hungRestarts = hungDeploys.slice(0, 2);
const hungReads = hungDeploys.slice(2);
const project = { image: "web", tag: "v1", verify: "1s" };
let h: Harness;
let store: DeployStore;
let redis: Redis;
let queue: Queue;
let claim: FaultHostClaim | undefined;

beforeAll(async () => {
  claim = await claimFaultHost();
  h = await startHarness(Object.fromEntries([fast, ...hungDeploys].map((p) => [p, project])), {
    hosts: { [HUNG]: faultHostInput(readFleetEnv()) },
    environments: { faults: { channel: "CPROD", hosts: [HUNG] } },
    env: { WORKER_CONCURRENCY: String(CONCURRENCY) },
  });
  ({ store, redis } = storeOf(h));
  queue = new Queue(QUEUE_NAME, { connection: redis, prefix: h.prefix });
});
afterAll(async () => {
  try {
    await Promise.all([queue?.close(), redis?.quit()]);
    await h?.close();
  } finally {
    // The harness cleans serverA/B/C only; the deploys to the hung host ran once it was thawed.
    const docker = dockerFor(HUNG, h.fleet.hosts[HUNG] as Fleet["hosts"][string]);
    await Promise.all(hungDeploys.map((p) => removeProject(docker, p).catch(() => {})));
    await claim?.release();
  }
});

/** Polls `probe` until it gives a value; fails after `timeoutMs`. */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within ${timeoutMs}ms`);
}

async function jobsOn(host: string): Promise<Job[]> {
  const all = await queue.getJobs([
    "active",
    "wait",
    "waiting",
    "delayed",
    "prioritized",
    "completed",
    "failed",
  ]);
  const byId = new Map(all.filter((j) => j.data?.host === host).map((j) => [j.id, j]));
  return [...byId.values()];
}

/** The deploy job of `deployId` on serverA once a worker has taken it. */
function startedDeploy(deployId: string, timeoutMs: number): Promise<Job> {
  return until(
    async () => {
      const job = await queue.getJob(`deploy-${deployId}-serverA`);
      return job?.processedOn ? job : undefined;
    },
    timeoutMs,
    "the start of the deploy to serverA",
  );
}

describe("a hung Docker host", () => {
  it("does not delay a deploy to another host", async () => {
    // Baseline: the same deploy with nothing else queued.
    const base = await deployed(h, store, { project: fast, env: "beta" }, `${fast} beta serverA`);
    const baseJob = await startedDeploy(base.meta.id, 1_000);
    const baseWait = (baseJob.processedOn ?? 0) - baseJob.timestamp;

    const docker = dockerFor(HUNG, h.fleet.hosts[HUNG] as Fleet["hosts"][string]);
    const frozen = await freezeHost("f", docker);
    try {
      for (const p of hungDeploys) await h.command("/deploy", `${p} faults ${HUNG}`);
      for (const p of hungRestarts) await h.command("/restart", `${p} faults ${HUNG}`);
      const reads = hungReads.map((p) => ask(h, "/status", `${p} faults`));
      // Awaited below; if an assertion fails first, their end must not be an unhandled rejection.
      for (const read of reads) read.catch(() => {});
      // The hung host's jobs have taken what worker slots they can before serverA's deploy comes.
      await until(
        async () => ((await queue.getJobs(["active"])).some((j) => j.data?.host === HUNG) ? true : undefined),
        20_000,
        "the start of the hung host's jobs",
      );
      await h.command("/deploy", `${fast} beta serverA`);
      const deployId = await until(
        async () => {
          const newest = (await store.history(fast, "beta", 1))[0]?.meta.id;
          return newest !== base.meta.id ? newest : undefined;
        },
        10_000,
        "the record of the deploy to serverA",
      );
      const job = await startedDeploy(deployId, 90_000);
      // Read right after it started: any hung-host job that gave up did so before it.
      const gaveUp = (await jobsOn(HUNG)).filter((j) => j.attemptsMade > 0 || j.finishedOn);
      const wait = (job.processedOn ?? 0) - job.timestamp;
      console.log(
        `serverA deploy waited ${wait} ms with ${HUNG} hung vs ${baseWait} ms alone (x${(wait / Math.max(1, baseWait)).toFixed(1)})`,
      );
      expect(
        gaveUp.map((j) => `${j.id}: ${j.attemptsMade} attempt(s) failed: ${j.failedReason}`),
        "serverA's deploy started only after a job of the hung host gave up its worker slot",
      ).toEqual([]);
      // Still hung when they answer: the read that waited its turn says so, not that no worker runs.
      const replies = (await Promise.all(reads)).map((r) => r.text);
      for (const text of replies) expect(text).not.toMatch(/is a worker running/);
    } finally {
      await frozen.thaw();
    }
    // Parked, not lost: once the host answers again, every deploy to it runs to its end.
    const records = await until(
      async () => {
        const all = await Promise.all(
          hungDeploys.map(async (p) => (await store.history(p, "faults", 1))[0]?.hosts[HUNG]?.state),
        );
        return all.every((s) => s === "succeeded" || s === "failed") ? all : undefined;
      },
      110_000,
      "the end of every deploy to the thawed host",
    );
    expect(records).toEqual(hungDeploys.map(() => "succeeded"));
  });
});
