import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";

/**
 * Found by the chaos soak (seed 1234): when Slack refused a deploy message's last update, or
 * the event of the deploy's end was lost, the message said "Deploying" forever although the
 * deploy had ended. The bot now sweeps for finished deploys whose message was never shown final.
 */
const project = uniqueName("sweep");
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  h = await startHarness({ [project]: { image: "web", tag: "v1", verify: "1s" } });
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe("a deploy message whose updates Slack refused", () => {
  it("is shown final once Slack takes updates again, with no new event", async () => {
    // A platform error (not a 429 or 5xx) is not retried by Slack's client.
    h.slack.failNext("chat.update", 10_000, "internal_error");
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project}:v1 beta serverA`);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "deploy message",
    );
    const ts = String(post.args.__ts);
    const store = new DeployStore(redis, h.prefix);
    const deadline = Date.now() + 90_000;
    let finished = false;
    while (!finished && Date.now() < deadline) {
      const record = (await store.history(project, "beta", 1))[0];
      finished = record?.hosts.serverA?.state === "succeeded";
      if (!finished) await new Promise((r) => setTimeout(r, 250));
    }
    expect(finished).toBe(true);
    // Every update of the deploy's progress was refused; Slack now works again.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(h.slack.calls.some((c) => c.method === "chat.update#failed")).toBe(true);
    h.slack.clearFaults();
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ts);
        return t && /^:white_check_mark:/.test(t) ? t : undefined;
      },
      40_000,
      "the final deploy message",
    );
    expect(text).toContain(`Deployed *${project}:v1*`);
  }, 150_000);
});
