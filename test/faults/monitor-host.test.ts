import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertPosts } from "../support/alerts.js";
import { managedContainers } from "../support/docker.js";
import { readFleetEnv } from "../support/fleet-env.js";
import { claimFaultHost, type FaultHostClaim } from "../support/frozen-host.js";
import { faultHostInput, type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

const run = promisify(execFile);
const hostScript = new URL("../fleet/host.sh", import.meta.url).pathname;
const project = uniqueName("away");
// The daemon this file stops is its own (host f), named here as serverF: stopping a shared one
// made other files running meanwhile see it refuse connections.
const FAULT_HOST = "serverF";
let h: Harness;
let claim: FaultHostClaim | undefined;

beforeAll(async () => {
  // Not while hung-host.test.ts freezes the same host.
  claim = await claimFaultHost();
  // No monitor yet: the first test kills a container while nobody is watching.
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${await freePort()}:80`], verify: "1s" } },
    {
      roles: ["bot", "worker"],
      hosts: { [FAULT_HOST]: faultHostInput(readFleetEnv()) },
      environments: { faults: { channel: "CPROD", hosts: [FAULT_HOST] } },
      monitor: { pingMs: 250, pingTimeoutMs: 1_000, pingFailures: 2, reconcileMs: 1_000, batchMs: 200 },
    },
  );
});
afterAll(async () => {
  await h?.close();
  await claim?.release();
});

async function expectOnlyOne(about: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 2_000));
  expect(alertPosts(h, about)).toHaveLength(1);
}

describe("monitor faults", () => {
  it("a container killed while no monitor ran is reported once when monitors start", async () => {
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project} beta serverA`);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "the deploy message",
    );
    await h.slack.waitFor(
      () => h.slack.messageText(String(post.args.__ts))?.startsWith(":white_check_mark: Deployed"),
      60_000,
      "the deploy",
    );
    const [c] = await managedContainers(h.docker.serverA, project);
    await h.docker.serverA.getContainer(c?.Id ?? "").kill();
    await h.spawn(["monitor"]);
    await h.spawn(["monitor"]);
    const call = await h.slack.waitFor(() => alertPosts(h, project)[0], 20_000, "the reconciled alert");
    expect(h.slack.messageText(String(call.args.__ts))).toMatch(/exited unexpectedly with code 137/);
    await expectOnlyOne(project);
  });

  it("a host whose daemon stops → one unreachable alert, updated when it is back", async () => {
    const from = h.slack.calls.length;
    try {
      await run("bash", [hostScript, "stop", "f"]);
      const call = await h.slack.waitFor(() => alertPosts(h, FAULT_HOST)[0], 20_000, "the host alert");
      expect(call.args.channel).toBe("CPROD");
      expect(h.slack.messageText(String(call.args.__ts))).toMatch(/\*serverF\*: Docker host is unreachable/);
    } finally {
      await run("bash", [hostScript, "start", "f"]);
    }
    const call = alertPosts(h, FAULT_HOST)[0];
    const ts = String(call?.args.__ts);
    const text = await h.slack.waitFor(
      () => {
        const t = h.slack.messageText(ts);
        return t?.includes("Resolved after") ? t : undefined;
      },
      20_000,
      "the host to be back",
    );
    expect(text).toMatch(/Resolved after .*\*serverF\*/);
    expect(alertPosts(h, FAULT_HOST).filter((c) => h.slack.calls.indexOf(c) >= from)).toHaveLength(1);
  });
});
