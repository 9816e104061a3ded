import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";

/**
 * The bot goes away in the middle of a deploy and comes back after it finished: the channel
 * message must still end with the truth, not with the last progress line the old bot showed.
 */
const project = uniqueName("br");
let port: number;
let h: Harness;
let worker: Spawned | undefined;

beforeAll(async () => {
  port = await freePort();
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
    { roles: ["bot"] },
  );
});
afterAll(async () => {
  if (worker) await kill(worker);
  await h?.close();
});

describe("a bot restarted while a deploy runs", () => {
  it("brings the deploy message up to date when it starts again", async () => {
    worker = spawnRole(h, "worker", { DOCKOPS_FAULT_STEP_DELAY_MS: "700" });
    await waitForOutput(worker, "worker started");
    const since = h.slack.calls.length;
    await h.command("/deploy", `${project}:v2 beta serverA`);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(since).find((c) => c.method === "chat.postMessage"),
      10_000,
      "the deploy message",
    );
    const ts = String(post.args.__ts);
    await h.slack.waitFor(
      () => h.logs.some((l) => l.includes('"deploy enqueued"')),
      10_000,
      "the job to be queued",
    );
    await h.stopMain();
    const shownWhenBotLeft = h.slack.messageText(ts) ?? "";
    expect(shownWhenBotLeft).toMatch(/^:rocket: Deploying/);

    // The deploy finishes with no bot listening.
    const deadline = Date.now() + 60_000;
    while ((await httpGet(`http://${h.addr.serverA}:${port}/`))?.body !== "web v2") {
      if (Date.now() > deadline)
        throw new Error(`the deploy never finished:\n${worker.output.join("").slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 1_500));
    expect(h.slack.messageText(ts)).toBe(shownWhenBotLeft);

    await h.spawn(["bot"]);
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ts);
        return t?.startsWith(":white_check_mark:") ? t : undefined;
      },
      15_000,
      "the restarted bot to update the message",
    );
    expect(text).toContain(`Deployed *${project}:v2*`);
  });
});
