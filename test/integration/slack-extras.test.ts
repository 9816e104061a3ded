import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { modalSubmission } from "../support/modal-submission.js";
import { freePort, uniqueName } from "../support/names.js";
import { blocksText } from "../support/slack-standin.js";

const project = uniqueName("mo");
let port: number;
let h: Harness;

beforeAll(async () => {
  port = await freePort();
  h = await startHarness({ [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } });
});
afterAll(async () => {
  await h?.close();
});

const submission = (values: Record<string, string>) => modalSubmission(values, "1.2");

describe("Slack extras", () => {
  it("/deploy with no text opens a modal with the registry's tags, newest build first", async () => {
    const ack = await h.command("/deploy", "");
    expect(ack).toMatchObject({ status: 200, text: "" });
    const open = await h.slack.waitFor(
      () => h.slack.calls.find((c) => c.method === "views.open"),
      10_000,
      "views.open",
    );
    const view = open.args.view as { callback_id: string; blocks: Array<Record<string, unknown>> };
    expect(view.callback_id).toBe("deploy_modal");
    expect(view.blocks.map((b) => b.block_id)).toEqual(["project", "env", "host", "tag"]);
    const tag = view.blocks[3] as {
      element: { option_groups: Array<{ options: Array<{ value: string }> }> };
    };
    const values = tag.element.option_groups.flatMap((g) => g.options.map((o) => o.value));
    expect(values).toEqual(expect.arrayContaining([`${project}:v1`, `${project}:v2`]));
    expect(values.indexOf(`${project}:v2`)).toBeLessThan(values.indexOf(`${project}:v1`));
    // Opening the form starts nothing.
    expect(h.slack.calls.filter((c) => c.method === "chat.postMessage")).toEqual([]);
  });

  it("submitting the modal runs the same deploy as the typed command", async () => {
    const before = h.slack.calls.length;
    const res = await h.interact(submission({ project, env: "beta", host: "serverA", tag: `${project}:v2` }));
    expect(res.status).toBe(200);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "the deploy message",
    );
    expect(post.args.channel).toBe("CBETA");
    const ts = String(post.args.__ts);
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ts);
        return t && /Deployed|failed/.test(t.split("\n")[0] ?? "") ? t : undefined;
      },
      90_000,
      "the deploy to finish",
    );
    expect(text).toContain(`Deployed *${project}:v2* to *beta* on serverA, requested by <@UDEV>`);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });

  it("a bad submission is answered in the modal and starts nothing", async () => {
    const before = h.slack.calls.length;
    const wrongHost = await h.interact(
      submission({ project, env: "beta", host: "serverC", tag: `${project}:v1` }),
    );
    expect(JSON.parse(wrongHost.text)).toEqual({
      response_action: "errors",
      errors: { host: "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)" },
    });
    const wrongTag = await h.interact(submission({ project, env: "beta", host: "all", tag: "other:v1" }));
    expect(JSON.parse(wrongTag.text)).toMatchObject({
      response_action: "errors",
      errors: { tag: expect.any(String) },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.slice(before).filter((c) => c.method === "chat.postMessage")).toEqual([]);
  });

  it("App Home shows the latest deploys when opened", async () => {
    await h.event({ type: "app_home_opened", user: "UDEV", channel: "D1", tab: "home", event_ts: "1.1" });
    const publish = await h.slack.waitFor(
      () => h.slack.calls.find((c) => c.method === "views.publish"),
      10_000,
      "views.publish",
    );
    expect(publish.args.user_id).toBe("UDEV");
    const view = publish.args.view as { type: string; blocks: unknown };
    expect(view.type).toBe("home");
    const text = blocksText({ blocks: view.blocks });
    expect(text).toContain("*Latest deploys*");
    expect(text).toMatch(
      new RegExp(`:white_check_mark: \\*${project}:v2\\* → \\*beta\\* on serverA, by <@UDEV>`),
    );
  });

  it("serves /metrics next to the Slack endpoint", async () => {
    const res = await fetch(`http://127.0.0.1:${h.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/dockops_deploys_total\{outcome="succeeded"\} [1-9]/);
    expect(text).toContain("# TYPE dockops_alerts_total counter");
  });
});
