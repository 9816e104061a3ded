import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertId, ref, resolvedText } from "../support/alerts.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { removeProject } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";
import { removeTestProxies, withTestProxy } from "../support/proxy.js";
import { type ApiCall, blocksText } from "../support/slack-standin.js";
import { getWithHost } from "../support/traffic.js";

/**
 * The monitor watches the proxy container itself, with two monitors running: a restart the
 * worker does on purpose is no alert, a killed proxy is one, and its Restart proxy button runs
 * `/proxy <host> restart` under the same access rule as typing it.
 */
const web = uniqueName("pxal");
// Joins the fleet later: its port makes the proxy be recreated by a deploy.
const web2 = uniqueName("pxal");
const proxyName = uniqueName("proxy");
const network = uniqueName("net");
let h: Harness;

beforeAll(async () => {
  const proxy = { port: await freePort(), target: 80, healthPath: "/healthz", drain: "1s" };
  h = await startHarness(
    { [web]: { image: "web", verify: "1s", proxy } },
    {
      roles: ["bot", "worker", "monitor"],
      monitor: { pingMs: 500, reconcileMs: 1_000, batchMs: 200, stableMs: 1_000 },
      // With roles named, /proxy is for approvers of an environment on the host: UOPS, not UDEV.
      environments: { edge: { channel: "CEDGE", hosts: ["serverA"], approval: { approvers: ["UOPS"] } } },
      fleet: (input) => ({ ...withTestProxy(proxyName, network)(input), roles: { deployers: ["UDEV"] } }),
    },
  );
  await h.spawn(["monitor"]);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await removeProject(h.docker.serverA, web2);
  await removeTestProxies(h, proxyName, network);
});

/** Alert posts about this test's proxy (each monitor's post would be one more). */
const proxyAlerts = (): ApiCall[] =>
  h.slack.calls.filter(
    (c) => c.method === "chat.postMessage" && blocksText(c.args).includes(`proxy container \`${proxyName}\``),
  );

/** Presses the alert's Restart proxy as `user`; returns the answer only they see. */
async function pressRestartProxy(alert: ApiCall, user: string): Promise<string> {
  const pressed = await h.pressOn("alert:restart-proxy", alertId(alert), ref(alert), { user });
  expect(pressed.status).toBe(200);
  const answer = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === pressed.responseId),
    60_000,
    `the answer to ${user}'s press`,
  );
  return String(answer.body.text);
}

/** Several reconciles of both monitors, and the time a started proxy needs to count as stable. */
const settle = () => new Promise((r) => setTimeout(r, 3_000));

describe("alerts about the proxy container", () => {
  it("a /proxy restart is meant, so no alert", async () => {
    const before = h.slack.calls.length;
    await h.command("/deploy", `${web}:v1 beta serverA`);
    expect(await finishedDeployMessage(h.slack, before)).toContain("Deployed");
    const restart = await replyTo(h, "/proxy", "serverA restart", { user: "UOPS" });
    expect(restart.text).toContain("restarted the proxy on *serverA*");
    await settle();
    expect(proxyAlerts()).toHaveLength(0);
  });

  it("a deploy that recreates the proxy for a new project's port is meant, so no alert", async () => {
    const before = (await h.docker.serverA.getContainer(proxyName).inspect()).Id;
    const proxy = { port: await freePort(), target: 80, healthPath: "/healthz", drain: "1s" };
    await h.restartMain((input) => ({
      ...input,
      projects: { ...input.projects, [web2]: { image: "web", verify: "1s", proxy } },
    }));
    const since = h.slack.calls.length;
    await h.command("/deploy", `${web2}:v1 beta serverA`);
    expect(await finishedDeployMessage(h.slack, since)).toContain("Deployed");
    expect((await h.docker.serverA.getContainer(proxyName).inspect()).Id).not.toBe(before);
    await settle();
    expect(proxyAlerts()).toHaveLength(0);
  });

  it("a killed proxy is one alert; Restart proxy (for an approver only) brings it back and resolves it", async () => {
    const url = `http://${h.addr.serverA}:${h.fleet.projects[web]?.proxy?.port}/`;
    await h.docker.serverA.getContainer(proxyName).kill();
    const alert = await h.slack.waitFor(() => proxyAlerts()[0], 20_000, "the proxy alert");
    const ts = String(alert.args.__ts);
    expect(blocksText(alert.args)).toBe(
      `:rotating_light: *serverA*: proxy container \`${proxyName}\` exited unexpectedly with code 137: the projects behind it here get no traffic`,
    );
    const buttons = (alert.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>)
      .find((b) => b.type === "actions")
      ?.elements?.map((e) => e.action_id);
    expect(buttons).toEqual(["alert:restart-proxy"]);

    expect(await pressRestartProxy(alert, "UDEV")).toContain("may run `proxy` here");
    expect((await h.docker.serverA.getContainer(proxyName).inspect()).State.Running).toBe(false);

    expect(await pressRestartProxy(alert, "UOPS")).toContain("<@UOPS> restarted the proxy on *serverA*");
    expect((await h.docker.serverA.getContainer(proxyName).inspect()).State.Running).toBe(true);
    await expect
      .poll(() => getWithHost(url), { timeout: 15_000, interval: 250 })
      .toEqual({ status: 200, body: "web v1" });
    expect(await resolvedText(h, ts)).toContain(`*serverA*: proxy container \`${proxyName}\``);
    await settle();
    expect(proxyAlerts()).toHaveLength(1);
  });
});
