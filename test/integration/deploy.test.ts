import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

const project = uniqueName("web");
let port: number;
let h: Harness;

beforeAll(async () => {
  port = await freePort();
  h = await startHarness({
    [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "2s", env: { LOG_LEVEL: "info" } },
  });
});
afterAll(async () => {
  await h?.close();
});

/** Sends /deploy and waits for its channel message to reach a final state. */
async function deploy(text: string): Promise<string> {
  const before = h.slack.calls.length;
  const ack = await h.command("/deploy", text);
  expect(ack.status).toBe(200);
  return finishedDeployMessage(h.slack, before);
}

describe("/deploy end to end", () => {
  it("deploys v1, then upgrades to v2 with one container left running", async () => {
    const first = await deploy(`${project}:v1 beta serverA`);
    expect(first).toMatch(new RegExp(`Deployed \\*${project}:v1\\* to \\*beta\\* on serverA`));
    expect(first).toMatch(/serverA\*: running `.+` \([0-9a-f]{12}\) in \d/);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });

    const second = await deploy(`${project}:v2 beta serverA`);
    expect(second).toContain(`Deployed *${project}:v2*`);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });

    const running = await managedContainers(h.docker.serverA, project);
    expect(running).toHaveLength(1);
    expect(running[0]?.Labels["dockops.version"]).toBe("v2");
    expect(running[0]?.Labels["dockops.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("a deploy that crashes leaves v2 serving and says why", async () => {
    const text = await deploy(`${project}:crash beta serverA`);
    expect(text).toMatch(/failed; the previous version keeps serving/);
    expect(text).toMatch(/exited with code 3/);
    expect(text).toContain("fatal: cannot connect to database");
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
    const running = await managedContainers(h.docker.serverA, project);
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
  });

  it("a deploy that never turns healthy leaves v2 serving with the health output", async () => {
    const text = await deploy(`${project}:sick beta serverA`);
    expect(text).toMatch(/health check failed/);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });

  it("deploys to every host of the environment, pulling with credentials on a TCP host", async () => {
    const text = await deploy(`${project}:v1 beta`);
    expect(text).toContain("Deployed");
    expect(text).toContain("*serverA*: running");
    expect(text).toContain("*serverB*: running");
    expect(await httpGet(`http://${h.addr.serverB}:${port}/`)).toEqual({ status: 200, body: "web v1" });
  });

  it("a tag missing from the registry fails with a message that says so", async () => {
    const text = await deploy(`${project}:nope beta serverA`);
    expect(text).toMatch(/is not in the registry/);
  });
});
