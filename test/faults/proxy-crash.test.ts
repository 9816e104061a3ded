import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { deployMessage, finalText, startWorker } from "../support/crash.js";
import { managedContainers } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned } from "../support/processes.js";
import { removeTestProxies, withTestProxy } from "../support/proxy.js";
import { getWithHost, startTraffic } from "../support/traffic.js";

/**
 * SIGKILL the worker at each step of a deploy behind the proxy, the four of the plain deploy's
 * fault test plus the switch and the drain, while a client sends 50 requests a second. The
 * worker that takes the job over finishes or undoes it: not one request fails, and the proxy
 * ends on one running, healthy container whose version the message names.
 */
const STEPS = [
  "creating container",
  "starting container",
  "waiting for health",
  "switching the proxy to the new container",
  "draining the previous container",
];

async function waitForBody(url: string, body: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (true) {
    const reply = await getWithHost(url);
    if ("body" in reply && reply.body === body) return;
    if (Date.now() > deadline) throw new Error(`the proxy never answered ${body}: ${JSON.stringify(reply)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function crashBehindProxy(step: string): Promise<void> {
  const project = uniqueName("pxcrash");
  const proxyName = uniqueName("proxy");
  const network = uniqueName("net");
  const port = await freePort();
  const h = await startHarness(
    {
      [project]: {
        image: "web",
        verify: "1s",
        stopTimeout: "2s",
        proxy: { port, healthPath: "/healthz", drain: "1s" },
      },
    },
    { roles: ["bot"], fleet: withTestProxy(proxyName, network) },
  );
  const redis = new Redis(need(h.fleetEnv, "REDIS_URL"));
  const store = new DeployStore(redis, h.prefix);
  const workers: Spawned[] = [];
  try {
    const normal = await startWorker(h);
    workers.push(normal);
    expect(await finalText(h, await deployMessage(h, `${project}:v1 beta serverA`))).toContain("Deployed");
    await kill(normal);
    const url = `http://${h.addr.serverA}:${port}/`;
    const traffic = startTraffic(url, 50, 5, 10_000);

    const doomed = await startWorker(h, { DOCKOPS_FAULT_STEP_DELAY_MS: "1500" });
    workers.push(doomed);
    const ts = await deployMessage(h, `${project}:v2 beta serverA`);
    const deployId = (await store.history(project, "beta", 1))[0]?.meta.id as string;
    const deadline = Date.now() + 60_000;
    while ((await store.getHost(deployId, "serverA"))?.step !== step) {
      if (Date.now() > deadline) throw new Error(`the deploy never reached '${step}'`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Switched: v2 answers once Caddy's next DNS lookup sees the renamed containers.
    if (step === "draining the previous container") await waitForBody(url, "web v2");
    await kill(doomed);

    const rescuer = await startWorker(h);
    workers.push(rescuer);
    const text = await finalText(h, ts);
    const report = await traffic.stop();
    if (step === "draining the previous container") {
      expect(rescuer.output.join("")).toContain("proxy routed back to the previous containers");
    }
    expect(report.replies.filter((r) => !("status" in r) || r.status !== 200)).toEqual([]);
    expect(report.sent).toBeGreaterThan(50);

    const running = await managedContainers(h.docker.serverA, project);
    expect(running).toHaveLength(1);
    const version = running[0]?.Labels["dockops.version"];
    expect(await getWithHost(url)).toEqual({ status: 200, body: `web ${version}` });
    if (version === "v2") expect(text).toContain(`Deployed *${project}:v2*`);
    else expect(text).toMatch(/failed; the previous version keeps serving/);
  } finally {
    for (const w of workers) await kill(w);
    redis.disconnect();
    await h.close();
    await removeTestProxies(h, proxyName, network);
  }
}

// One step at a time: five proxies, each under a 50/s client, at once would measure the 2-core
// machine rather than the deploy.
describe("a worker killed mid-deploy behind the proxy", () => {
  it.each(STEPS)(
    "at '%s' loses no request, and one healthy container serves afterwards",
    crashBehindProxy,
    240_000,
  );
});
