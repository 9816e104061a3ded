import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, SIGNING_SECRET, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { firstAnswer } from "../support/ops-flow.js";
import { sendSigned, slashCommandBody } from "../support/signed-request.js";

const project = uniqueName("bad");
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ [project]: { image: "web", tag: "v1" } });
});
afterAll(async () => {
  await h?.close();
});

/** Jobs, deploy records and history this harness stored; bad input must add none. */
async function storedWork(): Promise<string[]> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  const patterns = [`${h.prefix}:dockops-jobs:deploy-*`, `${h.prefix}:deploy:*`, `${h.prefix}:history:*`];
  const keys = (await Promise.all(patterns.map((p) => redis.keys(p)))).flat();
  const waiting = await redis.llen(`${h.prefix}:dockops-jobs:wait`);
  await redis.quit();
  return waiting > 0 ? [...keys, `wait:${waiting}`] : keys;
}

describe("bad input changes nothing", () => {
  it.each([
    ["unknown project", "nosuch beta", /no project `nosuch`/],
    ["typo in project", `${project.slice(0, -1)}x beta`, new RegExp(`did you mean \`${project}\``)],
    ["unknown env", `${project} staging`, /no environment `staging`/],
    ["host typo", `${project} beta serverD`, /no host `serverD`; did you mean `server[AB]`\?/],
    ["host outside the env", `${project} beta serverC`, /not in environment `beta`/],
    ["missing env", `${project}`, /name a project and an environment/],
    // An empty /deploy opens the deploy modal: test/integration/slack-extras.test.ts.
    ["shell metacharacters", `${project}:v1;rm beta`, /not a valid image tag/],
    ["path traversal", "../../etc/passwd beta", /no project/],
    ["unknown option", `${project} beta --force`, /unknown option `--force`/],
  ])("%s gets a usage message and no job", async (_name, text, expected) => {
    const before = h.slack.calls.length;
    const res = await h.command("/deploy", text);
    expect(res.status).toBe(200);
    // Acknowledged by the front thread before the app read it; the usage follows at response_url.
    expect(res.text).toBe("");
    const body = await firstAnswer(h, res);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(expected);
    expect(body.text).toContain("Usage: `/deploy");
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    expect(await storedWork()).toEqual([]);
  });

  it("an environment that needs approval posts a request and enqueues nothing", async () => {
    const before = h.slack.calls.length;
    const res = await h.command("/deploy", `${project} prod`, { channel: "CPROD" });
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === res.responseId), 5_000, "the reply");
    const reply = h.slack.responses.find((r) => r.id === res.responseId);
    expect(String(reply?.body.text)).toMatch(/^Approval requested from <@ULEAD>, <@UOPS>/);
    const posts = h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage");
    expect(posts.map((p) => h.slack.messageText(String(p.args.__ts)))).toEqual([
      expect.stringMatching(/^:lock: \*Approval needed:\* <@UDEV> asked to deploy/),
    ]);
    expect(await storedWork()).toEqual([]);
  });

  it("a deploy to an approval environment with a tag the registry lacks asks nobody", async () => {
    const before = h.slack.calls.length;
    const res = await h.command("/deploy", `${project}:nope prod`, { channel: "CPROD" });
    await h.slack.waitFor(() => h.slack.responses.find((r) => r.id === res.responseId), 5_000, "the reply");
    const reply = h.slack.responses.find((r) => r.id === res.responseId);
    expect(String(reply?.body.text)).toMatch(
      /Could not prepare the approval request: .*is not in the registry/,
    );
    expect(h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage")).toEqual([]);
    expect(await storedWork()).toEqual([]);
  });

  it.each([
    ["unknown word", "nosuch", /no project or environment `nosuch`/],
    ["count out of range", "500", /between 1 and 100/],
    ["unknown option", "--all", /unknown option `--all`/],
  ])("/audit with %s gets a usage message", async (_name, text, expected) => {
    const res = await h.command("/audit", text);
    const body = await firstAnswer(h, res);
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(expected);
    expect(body.text).toContain("Usage: `/audit");
  });

  it.each([
    ["a forged signature", { signature: "v0=deadbeef" }],
    ["no signature", { signature: null }],
    ["a timestamp older than 5 minutes", { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ["a signature made with another secret", { secret: "not-the-secret" }],
  ])("a request with %s gets 401 and does nothing", async (_name, override) => {
    const body = slashCommandBody({
      command: "/deploy",
      text: `${project} beta serverA`,
      user: "UDEV",
      channel: "CBETA",
      responseUrl: h.slack.responseUrl("forged"),
    });
    const before = h.slack.calls.length;
    const res = await sendSigned(`http://127.0.0.1:${h.port}`, body, { secret: SIGNING_SECRET, ...override });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.length).toBe(before);
    expect(h.slack.responses.filter((r) => r.id === "forged")).toEqual([]);
  });

  it("answers GET /healthz when Redis answers", async () => {
    const res = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});
