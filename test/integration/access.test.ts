import { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import { QUEUE_NAME } from "../../src/queue/queues.js";
import { alertId, alertPosts, pullTestImage, ref, runManaged } from "../support/alerts.js";
import { pressApproval } from "../support/approval-buttons.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { ask, storeOf } from "../support/ops-read.js";
import { blocksText } from "../support/slack-standin.js";

/**
 * Roles and channels through the real Bolt app. beta lets only ops read logs and silence; prod
 * is limited to its channel, its deploys, history and status to deployers; vault's history and
 * status to leads. The bot runs without a worker, so jobs stay queued for /cancel and /job.
 */
const project = uniqueName("acc");
let h: Harness;
let store: DeployStore;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", verify: "1s" } },
    {
      roles: ["bot", "monitor"],
      monitor: { pingMs: 500, reconcileMs: 1_000, batchMs: 200 },
      fleet: (input) => ({
        ...input,
        roles: { deployers: ["UDEV"], leads: ["ULEAD"], ops: ["UOPS"] },
        allow: { prune: ["ops"] },
        environments: {
          beta: {
            channel: "CBETA",
            hosts: ["serverA", "serverB"],
            allow: { logs: ["ops"], silence: ["ops"] },
          },
          prod: {
            channel: "CPROD",
            channels: ["CPROD"],
            hosts: ["serverB", "serverC"],
            approval: { approvers: ["ULEAD", "UOPS"] },
            allow: { deploy: ["deployers"], history: ["deployers"], status: ["deployers"] },
          },
          vault: { channel: "CVAULT", hosts: ["serverC"], allow: { history: ["leads"], status: ["leads"] } },
        },
      }),
    },
  );
  ({ store, redis } = storeOf(h));
  queue = new Queue(QUEUE_NAME, { connection: redis, prefix: h.prefix });
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await h?.close();
});

/** Queues a deploy (no worker takes it) and returns its job id. */
async function queuedDeploy(env: string, host: string, user: string, channel: string): Promise<string> {
  const before = (await store.history(project, env, 1))[0]?.meta.id;
  await h.command("/deploy", `${project} ${env} ${host}`, { user, channel });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [newest] = await store.history(project, env, 1);
    const id = newest && newest.meta.id !== before ? `deploy-${newest.meta.id}-${host}` : undefined;
    if (id && (await Job.fromId(queue, id))) return id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ${env} deploy was not queued`);
}

async function home(user: string): Promise<string> {
  const before = h.slack.calls.length;
  await h.event({ type: "app_home_opened", user, channel: "D1", tab: "home", event_ts: "1.1" });
  const publish = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "views.publish" && c.args.user_id === user),
    10_000,
    "views.publish",
  );
  return blocksText({ blocks: (publish.args.view as { blocks: unknown }).blocks });
}

describe("reads carry who and where", () => {
  it("allow.history and allow.status admit their role from the allowed channel", async () => {
    expect(
      (await ask(h, "/history", `${project} prod`, { user: "UDEV", channel: "CPROD" })).text,
    ).not.toMatch(/no_entry/);
    expect((await ask(h, "/status", "prod", { user: "UDEV", channel: "CPROD" })).text).toMatch(
      /^\*Status\* of prod/,
    );
    expect((await ask(h, "/history", `${project} prod`, { user: "UOTHER", channel: "CPROD" })).text).toBe(
      ":no_entry: You may not run `history` in *prod*: only the *deployers* role may. Nothing was done.",
    );
    expect((await ask(h, "/status", "prod", { user: "UDEV", channel: "CBETA" })).text).toBe(
      ":no_entry: *prod* commands may only be run from <#CPROD>. Nothing was done.",
    );
  });

  it("/status with no environment shows only the environments the user may see", async () => {
    const image = await pullTestImage(h, h.docker.serverC, "plain:v1");
    await runManaged(h.docker.serverC, image, { project, env: "vault" }, "no");
    // The bot reads hosts through worker jobs; this file's harness runs none, so one helps here.
    const worker = await h.spawn(["worker"]);
    try {
      const lead = await ask(h, "/status", project, { user: "ULEAD", channel: "CBETA" });
      expect(lead.text).toMatch(new RegExp(`serverC +${project} +vault`));
      const dev = await ask(h, "/status", project, { user: "UDEV", channel: "CBETA" });
      expect(dev.text).toMatch(/^\*Status\* of /);
      expect(dev.text).not.toContain("vault");
      expect(dev.text).not.toContain("serverC");
    } finally {
      await worker.close();
    }
  });
});

describe("commands with no environment", () => {
  it("/prune <host> is refused to someone who neither approves there nor has allow.prune", async () => {
    const reply = await ask(h, "/prune", "serverA", { user: "UDEV" });
    expect(reply.text).toBe(
      ":no_entry: Only an approver of *beta* may run `prune` here (or a role in the fleet file's top-level `allow.prune`). Nothing was done.",
    );
    expect(
      (await queue.getJobs(["waiting", "active", "completed", "failed"])).map((j) => j.name),
    ).not.toContain("prune");
  });

  it("/cancel is for the job's requester and approvers of its environment", async () => {
    const jobId = await queuedDeploy("beta", "serverA", "UOTHER", "CBETA");
    const refused = await ask(h, "/cancel", jobId, { user: "UMEDDLER" });
    expect(refused.text).toBe(
      ":no_entry: Only its requester or an approver of *beta* may run `cancel` here (or a role in the fleet file's top-level `allow.cancel`). Nothing was done.",
    );
    expect(await ask(h, "/cancel", jobId, { user: "ULEAD" })).toMatchObject({
      text: expect.stringMatching(/no_entry/),
    });
    expect(await Job.fromId(queue, jobId)).toBeDefined();
    const own = await ask(h, "/cancel", jobId, { user: "UOTHER" });
    expect(own.text).toMatch(new RegExp(`^:no_entry_sign: <@UOTHER> cancelled job \`${jobId}\``));
  });

  it("/job, /jobs, /audit and App Home show only environments the user may read", async () => {
    const jobId = await queuedDeploy("vault", "serverC", "UOTHER", "CVAULT");
    expect((await ask(h, "/job", jobId, { user: "UDEV" })).text).toMatch(/^No job `/);
    expect((await ask(h, "/job", jobId, { user: "ULEAD" })).text).toContain(`*Job \`${jobId}\`*`);
    expect((await ask(h, "/jobs", "", { user: "UDEV" })).text).not.toContain(jobId);
    expect((await ask(h, "/jobs", "", { user: "ULEAD" })).text).toContain(jobId);

    const auditDev = await ask(h, "/audit", "50", { user: "UDEV", channel: "CBETA" });
    expect(auditDev.text).not.toContain("vault");
    expect(auditDev.text).toContain("beta");
    const auditLead = await ask(h, "/audit", "50", { user: "ULEAD", channel: "CBETA" });
    expect(auditLead.text).toContain(`/deploy ${project} vault serverC`);

    const devHome = await home("UDEV");
    expect(devHome).toContain("*Latest deploys*");
    expect(devHome).not.toContain("vault");
    expect(await home("ULEAD")).toMatch(
      new RegExp(`\\*${project}:v1\\* → \\*vault\\* on serverC, by <@UOTHER>`),
    );
  });
});

describe("alert buttons are the commands they stand for", () => {
  it("Show logs and Silence 1h refuse a user without the role, and the denials are audited", async () => {
    const image = await pullTestImage(h, h.docker.serverA, "plain:v1");
    const container = await runManaged(h.docker.serverA, image, { project, env: "beta" });
    await container.kill();
    const alert = await h.slack.waitFor(() => alertPosts(h, project)[0], 20_000, "the alert");
    const answer = async (button: string, user: string) => {
      const pressed = await h.pressOn(`alert:${button}`, alertId(alert), ref(alert), { user });
      const r = await h.slack.waitFor(
        () => h.slack.responses.find((x) => x.id === pressed.responseId),
        20_000,
        "the button's answer",
      );
      return String(r.body.text);
    };
    expect(await answer("logs", "UDEV")).toBe(
      ":no_entry: You may not run `logs` in *beta*: only the *ops* role may. Nothing was done.",
    );
    expect(await answer("silence", "UDEV")).toBe(
      ":no_entry: You may not run `silence` in *beta*: only the *ops* role may. Nothing was done.",
    );
    expect(await redis.hget(`${h.prefix}:silences`, `${project}:beta`)).toBeNull();
    const audit = await ask(h, "/audit", `${project} beta 20`, { user: "UOPS" });
    expect(audit.text).toContain(
      `<@UDEV> in <#CBETA> *command planned* (${project} beta) \`/logs ${project} beta serverA --tail 30\``,
    );
    expect(audit.text).toContain(`<@UDEV> in <#CBETA> *denied logs* (${project} beta)`);
    expect(audit.text).toContain(`<@UDEV> in <#CBETA> *denied silence* (${project} beta)`);
    expect(await answer("silence", "UOPS")).toMatch(/<@UOPS> silenced new alerts about/);
  });
});

describe("approval re-checks against the current fleet", () => {
  it("after the fleet changed, the old approvers may not approve and a requester without the role voids the request", async () => {
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project}:v1 prod`, { user: "UDEV", channel: "CPROD" });
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "the approval request",
    );
    const ts = String(post.args.__ts);
    expect(h.slack.messageText(ts)).toContain("Approval needed");

    // The operator takes UDEV out of deployers and makes UOPS the only approver, then restarts.
    await h.restartMain((input) => ({
      ...input,
      roles: { deployers: ["UNEW"], leads: ["ULEAD"], ops: ["UOPS"] },
      environments: {
        ...input.environments,
        prod: {
          ...input.environments.prod,
          hosts: ["serverB", "serverC"],
          approval: { approvers: ["UOPS"] },
        },
      },
    }));
    expect(await pressApproval(h, ts, "approve", "ULEAD", 5_000)).toBe(
      ":no_entry: Not allowed: only <@UOPS> may approve requests in *prod*. Nothing changed.",
    );
    await pressApproval(h, ts, "approve", "UOPS", 1_000);
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ts);
        return t?.includes("Void") || t?.includes("void") ? t : undefined;
      },
      10_000,
      "the request to turn void",
    );
    expect(text).toContain(
      "<@UDEV> may no longer ask for this: You may not run `deploy` in *prod*: only the *deployers* role may.",
    );
    expect(await store.history(project, "prod", 5)).toEqual([]);
  });
});
