import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pressApproval } from "../support/approval-buttons.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { httpGet } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { modalSubmission } from "../support/modal-submission.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";
import { blocksText } from "../support/slack-standin.js";
import { TRANSPORTS } from "../support/slack-transport.js";

const deployMessages = (h: Harness, from: number) =>
  h.slack.calls
    .slice(from)
    .filter((c) => c.method === "chat.postMessage" && /deploy/i.test(blocksText(c.args)));

// The same flows, once with signed HTTP requests and once over a Socket Mode connection, with
// the default installation: `/deploy` and the umbrella `/ops`.
describe.each(TRANSPORTS)("Slack over %s, with /deploy and /ops installed", (transport) => {
  const project = uniqueName("tr");
  let port: number;
  let h: Harness;

  beforeAll(async () => {
    port = await freePort();
    h = await startHarness(
      { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
      { transport, commands: {} },
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it("reaches the bot the way it was asked to", () => {
    const opened = h.slack.calls.filter((c) => c.method === "apps.connections.open");
    expect(opened.length > 0).toBe(transport === "socket");
    expect(h.slack.socketMode.hellos > 0).toBe(transport === "socket");
  });

  it("/deploy deploys and reports in the channel", async () => {
    const before = h.slack.calls.length;
    const ack = await h.command("/deploy", `${project}:v1 beta serverA`);
    expect(ack).toMatchObject({ status: 200, text: "" });
    const text = await finishedDeployMessage(h.slack, before);
    expect(text).toContain(`Deployed *${project}:v1* to *beta* on serverA, requested by <@UDEV>`);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });
  });

  it("/ops takes every other command, and help shows the form this team installed", async () => {
    const help = await replyTo(h, "/ops", "help");
    expect(help.visibility).toBe("ephemeral");
    expect(help.text).toContain("• `/deploy <project>[:<tag>][@<git ref>] <env>");
    expect(help.text).toContain("• `/ops status [<project>] [<env>]`");
    expect(help.text).toContain("• `/ops logs <project> <env>");
    expect(help.text).not.toMatch(/`\/(status|logs|rollback)\b/);
    const usage = await replyTo(h, "/ops", `logs ${project}`);
    expect(usage.text).toContain("Usage: `/ops logs <project> <env>");
    const status = await replyTo(h, "/ops", `status ${project} beta`);
    expect(status.text).toContain(project);
    expect(status.text).toContain("serverA");
  });

  it("a command the installation does not have is answered with what to set", async () => {
    const reply = await replyTo(h, "/dockops-nosuch", "help");
    expect(reply.text).toBe(
      ":x: dockops is set up for `/deploy` and `/ops`, not `/dockops-nosuch`; set SLACK_COMMANDS (and SLACK_COMMAND_PREFIX) to match the app's manifest",
    );
  });

  it("a deploy to prod waits for an approver's button, then runs in the same message", async () => {
    const before = h.slack.calls.length;
    const ack = await h.command("/deploy", `${project}:v2 prod serverB`, { user: "UDEV", channel: "CPROD" });
    expect(ack.status).toBe(200);
    const post = await h.slack.waitFor(() => deployMessages(h, before)[0], 10_000, "the approval request");
    const ts = String(post.args.__ts);
    expect(h.slack.messageText(ts)).toContain("Approval needed");
    expect(await pressApproval(h, ts, "approve", "ULEAD", 1_000)).toBeUndefined();
    const done = await h.slack.waitFor(
      () => {
        const text = h.slack.messageText(ts) ?? "";
        return /^:(white_check_mark|x):/.test(text) ? text : undefined;
      },
      90_000,
      "the approved deploy to finish",
    );
    expect(done).toContain(`Deployed *${project}:v2* to *prod* on serverB`);
    expect(await httpGet(`http://${h.addr.serverB}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });

  it("/deploy alone opens the modal; submitting it deploys", async () => {
    const opened = h.slack.calls.filter((c) => c.method === "views.open").length;
    const ack = await h.command("/deploy", "");
    expect(ack).toMatchObject({ status: 200, text: "" });
    const open = await h.slack.waitFor(
      () => h.slack.calls.filter((c) => c.method === "views.open")[opened],
      10_000,
      "views.open",
    );
    expect((open.args.view as { callback_id: string }).callback_id).toBe("deploy_modal");
    // The umbrella opens the same form.
    await h.command("/ops", "deploy");
    await h.slack.waitFor(
      () => h.slack.calls.filter((c) => c.method === "views.open")[opened + 1],
      10_000,
      "views.open through /ops",
    );

    const before = h.slack.calls.length;
    const res = await h.interact(
      modalSubmission({ project, env: "beta", host: "serverA", tag: `${project}:v2` }),
    );
    expect(res).toMatchObject({ status: 200, text: "" });
    const text = await finishedDeployMessage(h.slack, before);
    expect(text).toContain(`Deployed *${project}:v2* to *beta* on serverA, requested by <@UDEV>`);
    const bad = await h.interact(
      modalSubmission({ project, env: "beta", host: "serverC", tag: `${project}:v1` }),
    );
    expect(JSON.parse(bad.text)).toEqual({
      response_action: "errors",
      errors: { host: "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)" },
    });
  });

  it("App Home shows the latest deploys when opened", async () => {
    const published = h.slack.calls.filter((c) => c.method === "views.publish").length;
    const res = await h.event({
      type: "app_home_opened",
      user: "UDEV",
      channel: "D1",
      tab: "home",
      event_ts: "1.1",
    });
    expect(res.status).toBe(200);
    const publish = await h.slack.waitFor(
      () => h.slack.calls.filter((c) => c.method === "views.publish")[published],
      10_000,
      "views.publish",
    );
    expect(publish.args.user_id).toBe("UDEV");
    const text = blocksText({ blocks: (publish.args.view as { blocks: unknown }).blocks });
    expect(text).toMatch(
      new RegExp(`:white_check_mark: \\*${project}:v2\\* → \\*beta\\* on serverA, by <@UDEV>`),
    );
  });
});

describe("Socket Mode when the connection breaks, with /do-deploy and /do-status installed", () => {
  const project = uniqueName("sm");
  let port: number;
  let h: Harness;
  let redis: Redis;

  beforeAll(async () => {
    port = await freePort();
    h = await startHarness(
      { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
      { transport: "socket", commands: { SLACK_COMMANDS: "deploy,status", SLACK_COMMAND_PREFIX: "do-" } },
    );
    redis = new Redis(h.fleetEnv.REDIS_URL as string);
  });
  afterAll(async () => {
    await redis?.quit();
    await h?.close();
  });

  const deploysOf = (env: string) => redis.llen(`${h.prefix}:history:${project}:${env}`);

  it("an ack lost with the connection: Slack delivers the command again and it runs once", async () => {
    const hellos = h.slack.socketMode.hellos;
    const before = h.slack.calls.length;
    // Resolves with the ack of the second delivery, on the new connection.
    const ack = await h.command("/do-deploy", `${project}:v1 beta serverA`, { fault: "lose-ack" });
    expect(ack).toMatchObject({ status: 200, text: "" });
    expect(h.slack.socketMode.hellos).toBe(hellos + 1);
    const text = await finishedDeployMessage(h.slack, before);
    expect(text).toContain(`Deployed *${project}:v1* to *beta* on serverA`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(deployMessages(h, before)).toHaveLength(1);
    expect(await deploysOf("beta")).toBe(1);
    expect(h.logs.join("")).toContain("Slack delivered this again; it already ran");
  });

  it("a command sent while the connection is down arrives after the reconnect and runs once", async () => {
    const hellos = h.slack.socketMode.hellos;
    const before = h.slack.calls.length;
    h.slack.socketMode.drop();
    expect(h.slack.socketMode.connected).toBe(false);
    const ack = await h.command("/do-deploy", `${project}:v2 beta serverA`);
    expect(ack.status).toBe(200);
    expect(h.slack.socketMode.hellos).toBe(hellos + 1);
    const text = await finishedDeployMessage(h.slack, before);
    expect(text).toContain(`Deployed *${project}:v2* to *beta* on serverA`);
    expect(deployMessages(h, before)).toHaveLength(1);
    expect(await deploysOf("beta")).toBe(2);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });

  it("Slack's refresh_requested: the bot reconnects and keeps answering, in the prefixed form", async () => {
    const hellos = h.slack.socketMode.hellos;
    h.slack.socketMode.refresh();
    await h.slack.socketMode.connectedAgain(hellos + 1);
    const status = await replyTo(h, "/do-status", `${project} beta`);
    expect(status.text).toContain(project);
    const usage = await replyTo(h, "/do-status", "nosuch");
    expect(usage.text).toContain("Usage: `/do-status [<project>] [<env>]`");
    const help = await replyTo(h, "/ops", "help");
    expect(help.text).toContain("• `/do-deploy <project>");
    expect(help.text).toContain("• `/ops logs <project> <env>");
  });
});
