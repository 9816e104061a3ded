import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { DeployPlan } from "../../commands/deploy.js";
import { deployApproval } from "../../src/approvals/deploy-approval.js";
import { ConfigStore } from "../../src/config/config-store.js";
import { DeployService } from "../../src/core/deploy-service.js";
import { ephemeral } from "../../src/core/message.js";
import { EnvLocks } from "../../src/deploys/env-lock.js";
import { DeployStore } from "../../src/deploys/store.js";
import { JobQueue } from "../../src/queue/queues.js";
import { ShellChat } from "../../src/shell/shell-chat.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const redis = new Redis(need(readFleetEnv(), "REDIS_URL"));
const prefix = uniqueName("pin");
// No worker listens on this prefix: the test reads the job as the bot enqueued it.
const queue = new JobQueue(redis, prefix);
afterAll(async () => {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("an approved deploy (real Redis queue)", () => {
  it("runs with the config revision its request showed, even if the config moved on before it was enqueued", async () => {
    const config = new ConfigStore(redis, prefix);
    const store = new DeployStore(redis, prefix);
    const configRevision = (project: string, env: string) => config.head(project, env);
    await config.change("a1", "prod", { op: "set", entries: { A: { v: "1" } } }, "U1");

    const digest = `sha256:${"ab".repeat(32)}`;
    const asked: DeployPlan & { approval: object } = {
      kind: "deploy",
      project: "a1",
      env: "prod",
      image: "web",
      tag: "v1",
      hosts: ["serverB"],
      requestedBy: "UDEV",
      channel: "CPROD",
      dryRun: false,
      digest,
      approval: { approvers: ["ULEAD"], allowSelfApproval: false, expiresMs: 60_000 },
    };
    const hooks = deployApproval({ resolveDigest: async () => digest, store, configRevision });
    const pinned = await hooks.pin?.(asked);
    if (!pinned || "refusal" in pinned) throw new Error("the request was refused");
    expect(pinned.pinned.configRevision).toBe(1);

    // Between the re-check at Approve and the enqueue, someone changes the config.
    await config.change("a1", "prod", { op: "set", entries: { A: { v: "2" } } }, "U2");
    const service = new DeployService({
      store,
      queue,
      chat: new ShellChat(() => {}),
      log: pino({ level: "silent" }),
      configRevision,
      locks: new EnvLocks(redis, prefix),
      preview: async () => ephemeral("preview"),
    });
    await service.start(pinned.plan, { approvedBy: "ULEAD" });

    const [job] = await queue.queue.getJobs(["waiting"]);
    expect(job?.data).toMatchObject({ project: "a1", host: "serverB", digest, configRevision: 1 });
    const record = (await store.history("a1", "prod", 1))[0];
    expect(record?.meta.configRevision).toBe(1);
  });
});
