import { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { ask, storeOf } from "../support/ops-read.js";

const project = uniqueName("jb");
let h: Harness;
let store: DeployStore;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  // The bot alone: jobs stay queued until a test starts a worker of its own.
  h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "1s" } }, { roles: ["bot"] });
  ({ store, redis } = storeOf(h));
  queue = new Queue(QUEUE_NAME, { connection: redis, prefix: h.prefix });
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await h?.close();
});

/** Sends /deploy to one host and returns its record id and the id of the job it queued. */
async function queuedDeploy(host: string): Promise<{ jobId: string; deployId: string; ts: string }> {
  const before = (await store.history(project, "beta", 1))[0]?.meta.id;
  await h.command("/deploy", `${project} beta ${host}`);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [newest] = await store.history(project, "beta", 1);
    const queued = newest && newest.meta.id !== before && newest.meta.message;
    if (queued && (await redis.exists(`${h.prefix}:dockops-jobs:deploy-${newest.meta.id}-${host}`))) {
      return { jobId: `deploy-${newest.meta.id}-${host}`, deployId: newest.meta.id, ts: queued.ts };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the deploy was not queued");
}

describe("task management", () => {
  it("/jobs and /job show a queued deploy; /cancel removes it and says so in the deploy message", async () => {
    const { jobId, deployId, ts } = await queuedDeploy("serverA");

    const jobs = await ask(h, "/jobs", "");
    const queued = jobs.text.split("*Queued*")[1]?.split("*Last")[0] ?? "";
    expect(queued).toContain(
      `:hourglass: \`${jobId}\` waiting — deploy ${project}:v1 → beta@serverA — <@UDEV> — queued`,
    );

    const job = await ask(h, "/job", jobId);
    expect(job.text).toContain(
      `*Job \`${jobId}\`* — deploy ${project}:v1 → beta@serverA, requested by <@UDEV>`,
    );
    expect(job.text).toMatch(/State: waiting \(attempt 0 of 3\)/);
    expect(job.text).toContain(`Deploy \`${deployId}\` on serverA: queued`);

    const cancel = await ask(h, "/cancel", jobId, { user: "UOPS" });
    expect(cancel.visibility).toBe("in_channel");
    expect(cancel.text).toBe(
      `:no_entry_sign: <@UOPS> cancelled job \`${jobId}\` (deploy ${project}:v1 → beta@serverA) before it started.`,
    );
    expect(await Job.fromId(queue, jobId)).toBeUndefined();
    const message = await h.slack.waitFor(
      () => {
        const text = h.slack.messageText(ts);
        return text?.includes("cancelled by <@UOPS>") ? text : undefined;
      },
      5_000,
      "the deploy message to show the cancel",
    );
    expect(message).toMatch(/^:x: Deploy of .* failed/);
    expect((await store.getHost(deployId, "serverA"))?.state).toBe("failed");
    expect(await managedContainers(h.docker.serverA, project, true)).toEqual([]);

    const again = await ask(h, "/cancel", jobId);
    expect(again.text).toMatch(new RegExp(`^No job \`${jobId}\``));
  });

  it("refuses to cancel a running job, and /job shows its step and log", async () => {
    const { jobId } = await queuedDeploy("serverB");
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((r) => {
      started = r;
    });
    // A real BullMQ worker on this harness's queue that holds the job until the test releases it.
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        await job.updateProgress({ step: "pulling image" });
        await job.log("test worker: pulling image");
        started();
        await gate;
        return { held: true };
      },
      { connection, prefix: h.prefix },
    );
    try {
      await running;
      const refused = await ask(h, "/cancel", jobId);
      expect(refused.visibility).toBe("ephemeral");
      expect(refused.text).toBe(
        `Job \`${jobId}\` (deploy ${project}:v1 → beta@serverB) is already running on a worker (pulling image); it cannot be cancelled. A failed deploy restores the previous version on its own.`,
      );
      const shown = await ask(h, "/job", jobId);
      expect(shown.text).toMatch(/State: active \(attempt 1 of 3\)/);
      expect(shown.text).toContain("Step: pulling image");
      expect(shown.text).toContain("Log:\n```\ntest worker: pulling image\n```");
      const jobs = await ask(h, "/jobs", "");
      expect(jobs.text.split("*Queued*")[0]).toContain(`\`${jobId}\` active`);
    } finally {
      release();
    }
    const deadline = Date.now() + 5_000;
    let finished = "";
    while (Date.now() < deadline && !finished.includes(`\`${jobId}\` completed`)) {
      finished = (await ask(h, "/jobs", "5")).text;
    }
    await worker.close();
    await connection.quit();
    expect(finished.split("*Last")[1]).toContain(
      `:white_check_mark: \`${jobId}\` completed — deploy ${project}:v1 → beta@serverB`,
    );
    const late = await ask(h, "/cancel", jobId);
    expect(late.text).toContain("has already finished; nothing to cancel.");
  });
});
