import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { managedContainers } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";
import { withTestProxy } from "../support/proxy.js";
import { getWithHost, startTraffic } from "../support/traffic.js";

/**
 * SIGKILL the worker right after it switched the proxy to the new container; the worker that
 * takes the job over must not remove that container while the proxy still sends traffic to it.
 */
const project = uniqueName("pxcrash");
const proxyName = uniqueName("proxy");
const network = uniqueName("net");
let h: Harness | undefined;
const workers: Spawned[] = [];

async function startWorker(harness: Harness, env: Record<string, string> = {}): Promise<Spawned> {
  const w = spawnRole(harness, "worker", { WORKER_LOCK_MS: "3000", ...env });
  workers.push(w);
  await waitForOutput(w, "worker started");
  return w;
}

async function deployMessage(harness: Harness, text: string): Promise<string> {
  const before = harness.slack.calls.length;
  await harness.command("/deploy", text);
  const post = await harness.slack.waitFor(
    () => harness.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "deploy message",
  );
  return String(post.args.__ts);
}

async function finalText(harness: Harness, ts: string): Promise<string> {
  return harness.slack.waitFor(
    () => {
      const text = harness.slack.messageText(ts);
      return text && /^:(white_check_mark|x|warning):/.test(text) ? text : undefined;
    },
    90_000,
    "the deploy to finish",
  );
}

afterAll(async () => {
  for (const w of workers) await kill(w);
  await h?.close();
  const docker = h?.docker.serverA;
  await docker
    ?.getContainer(proxyName)
    .remove({ force: true })
    .catch(() => {});
  await docker
    ?.getNetwork(network)
    .remove()
    .catch(() => {});
});

async function waitForBody(url: string, body: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (true) {
    const reply = await getWithHost(url);
    if ("body" in reply && reply.body === body) return;
    if (Date.now() > deadline) throw new Error(`the proxy never answered ${body}: ${JSON.stringify(reply)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a worker killed after switching the proxy", () => {
  it("loses no request, and one healthy container is behind the proxy afterwards", async () => {
    const port = await freePort();
    h = await startHarness(
      {
        [project]: {
          image: "web",
          verify: "1s",
          stopTimeout: "2s",
          proxy: { port, healthPath: "/healthz", drain: "1s" },
        },
      },
      {
        roles: ["bot"],
        fleet: withTestProxy(proxyName, network),
      },
    );
    const redis = new Redis(need(h.fleetEnv, "REDIS_URL"));
    const store = new DeployStore(redis, h.prefix);
    try {
      const normal = await startWorker(h);
      expect(await finalText(h, await deployMessage(h, `${project}:v1 beta serverA`))).toContain("Deployed");
      await kill(normal);
      const url = `http://${h.addr.serverA}:${port}/`;
      const traffic = startTraffic(url, 70, 10);

      const doomed = await startWorker(h, { DOCKOPS_FAULT_STEP_DELAY_MS: "1500" });
      const ts = await deployMessage(h, `${project}:v2 beta serverA`);
      const deployId = (await store.history(project, "beta", 1))[0]?.meta.id as string;
      const deadline = Date.now() + 60_000;
      while ((await store.getHost(deployId, "serverA"))?.step !== "draining the previous container") {
        if (Date.now() > deadline) throw new Error("the deploy never reached the drain");
        await new Promise((r) => setTimeout(r, 20));
      }
      // Switched: v2 answers once Caddy's next DNS lookup sees the renamed containers.
      await waitForBody(url, "web v2");
      await kill(doomed);

      const rescuer = await startWorker(h);
      expect(await finalText(h, ts)).toContain(`Deployed *${project}:v2*`);
      const report = await traffic.stop();
      expect(rescuer.output.join("")).toContain("proxy routed back to the previous containers");
      expect(report.replies.filter((r) => !("status" in r) || r.status !== 200)).toEqual([]);
      expect(report.sent).toBeGreaterThan(100);

      const running = await managedContainers(h.docker.serverA, project);
      expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
      expect(await getWithHost(url)).toEqual({ status: 200, body: "web v2" });
    } finally {
      redis.disconnect();
    }
  }, 240_000);
});
