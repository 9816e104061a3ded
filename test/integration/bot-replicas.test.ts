import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeployStore } from "../../src/deploys/store.js";
import { pressApproval } from "../support/approval-buttons.js";
import { type Harness, startHarness } from "../support/harness.js";
import { modalSubmission } from "../support/modal-submission.js";
import { uniqueName } from "../support/names.js";
import { ask, storeOf } from "../support/ops-read.js";

/**
 * Two bot processes on one Redis behind a round-robin, as a team would run them for
 * availability: every request goes to the other replica than the one before, so a request and
 * its button press, or Slack's retry of a delivery, land on different processes.
 */
const project = uniqueName("rep");
let h: Harness;
let store: DeployStore;
let close: () => void;

beforeAll(async () => {
  h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "1s" } }, { botReplicas: 2 });
  const opened = storeOf(h);
  store = opened.store;
  close = () => opened.redis.disconnect();
}, 120_000);
afterAll(async () => {
  close?.();
  await h?.close();
});

async function settled(env: string, count: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const records = await store.history(project, env, 10);
    const done = records.every((r) =>
      r.meta.hosts.every((host) => ["succeeded", "failed"].includes(r.hosts[host]?.state ?? "")),
    );
    if (records.length >= count && done) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the ${env} deploys of ${project} did not settle`);
}

describe("two bot replicas behind a round-robin", () => {
  it("each takes half of the requests and answers them alike", async () => {
    const before = [...h.replicaHits];
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(h, "/history", `${project} beta`));
    expect(h.replicaHits.map((n, i) => n - (before[i] ?? 0))).toEqual([2, 2]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
  });

  it("a prod deploy asked of one replica and approved through the other runs once", async () => {
    const before = h.slack.calls.length;
    const ack = await h.command("/deploy", `${project}:v1 prod serverB`, { user: "UDEV", channel: "CPROD" });
    expect(ack.status).toBe(200);
    const request = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "the approval request",
    );
    const ts = String(request.args.__ts);
    expect(h.slack.messageText(ts)).toContain("Approval needed");
    await pressApproval(h, ts, "approve", "ULEAD", 5_000);
    // The same press again, through the other replica: refused, not a second deploy.
    expect(await pressApproval(h, ts, "approve", "UOPS", 5_000)).toMatch(/already approved by <@ULEAD>/);
    await settled("prod", 1);
    const records = await store.history(project, "prod", 10);
    expect(records).toHaveLength(1);
    expect(records[0]?.hosts.serverB?.state).toBe("succeeded");
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ts);
        return t?.startsWith(":white_check_mark:") ? t : undefined;
      },
      30_000,
      "the deploy message",
    );
    expect(text).toContain(`Deployed *${project}:v1* to *prod* on serverB`);
  }, 150_000);

  it("the deploy form, delivered to both replicas (Slack retrying), deploys once", async () => {
    const before = h.slack.calls.length;
    const submission = modalSubmission(
      { project, env: "beta", host: "serverA", tag: `${project}:v2` },
      `${Date.now()}.form`,
    );
    const first = await h.interact(submission);
    const again = await h.interact(submission);
    expect([first.status, again.status]).toEqual([200, 200]);
    await settled("beta", 1);
    await new Promise((r) => setTimeout(r, 2_000));
    const records = await store.history(project, "beta", 10);
    expect(records).toHaveLength(1);
    expect(records[0]?.meta.tag).toBe("v2");
    const posts = h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage");
    expect(posts).toHaveLength(1);
  }, 150_000);
});
