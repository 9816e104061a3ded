import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertId, alertPosts, ref } from "../support/alerts.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

/**
 * The alert's Roll back button goes through the same /rollback path as the command: a crashed
 * v2 is replaced by the v1 digest that ran before it.
 */
const project = uniqueName("arb");
let port: number;
let h: Harness;

beforeAll(async () => {
  port = await freePort();
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s", stopTimeout: "2s" } },
    { roles: ["bot", "worker", "monitor"], monitor: { pingMs: 500, reconcileMs: 1_000, batchMs: 200 } },
  );
});
afterAll(async () => {
  await h?.close();
});

async function served(body: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await httpGet(`http://${h.addr.serverA}:${port}/`))?.body !== body) {
    if (Date.now() > deadline) throw new Error(`serverA never served "${body}"`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("the Roll back button on an alert", () => {
  it("redeploys the previous version's digest after the current one dies", async () => {
    for (const tag of ["v1", "v2"]) {
      const since = h.slack.calls.length;
      await h.command("/deploy", `${project}:${tag} beta serverA`);
      const text = await finishedDeployMessage(h.slack, since);
      expect(text).toContain(`Deployed *${project}:${tag}*`);
    }
    await served("web v2");
    const [running] = await managedContainers(h.docker.serverA, project);
    await h.docker.serverA.getContainer(running?.Id ?? "").kill();

    const alert = await h.slack.waitFor(() => alertPosts(h, project)[0], 20_000, "the crash alert");
    const pressed = await h.pressOn("alert:rollback", alertId(alert), ref(alert));
    expect(pressed.status).toBe(200);

    await served("web v1");
    const now = await managedContainers(h.docker.serverA, project);
    expect(now.map((c) => c.Labels["dockops.version"])).toEqual(["v1"]);
    const rollback = h.slack.calls.find(
      (c) => c.method === "chat.postMessage" && JSON.stringify(c.args).includes("rollback to v1"),
    );
    expect(rollback).toBeDefined();
  });
});
