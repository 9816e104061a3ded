import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { removeTestProxies, withTestProxy } from "../support/proxy.js";
import { getWithHost, startTraffic } from "../support/traffic.js";

// Real Caddy (the caddy:2 test image up.sh builds from Debian's binary) on the namespaced hosts.
const web = uniqueName("pxweb");
const bad = uniqueName("pxbad");
const siteA = uniqueName("pxa");
const siteB = uniqueName("pxb");
const plain = uniqueName("pxplain");
const proxyName = uniqueName("proxy");
const network = uniqueName("net");
let port: number;
let shared: number;
let plainPort: number;
let h: Harness;

beforeAll(async () => {
  [port, shared, plainPort] = [await freePort(), await freePort(), await freePort()];
  const behind = (p: number, hosts: string[] = []) => ({
    image: "web",
    verify: "1s",
    proxy: { port: p, target: 80, hosts, healthPath: "/healthz", drain: "1s" },
  });
  h = await startHarness(
    {
      [web]: behind(port),
      // Healthy for Docker, but the proxy's probe gets a 404: the switch must not happen.
      [bad]: {
        ...behind(port, ["bad.test"]),
        proxy: { ...behind(port, ["bad.test"]).proxy, healthPath: "/missing" },
      },
      [siteA]: behind(shared, ["a.example.test"]),
      [siteB]: behind(shared, ["b.example.test"]),
      [plain]: { image: "web", verify: "1s", ports: [`${plainPort}:80`] },
    },
    {
      fleet: withTestProxy(proxyName, network),
    },
  );
}, 120_000);

afterAll(async () => {
  await h?.close();
  await removeTestProxies(h, proxyName, network);
});

async function deploy(text: string): Promise<string> {
  const before = h.slack.calls.length;
  const ack = await h.command("/deploy", text);
  expect(ack.status).toBe(200);
  return finishedDeployMessage(h.slack, before);
}

describe("zero-downtime deploys behind the host's Caddy", () => {
  it("serves every request through 10 deploys alternating v1/v2, one of them failing", async () => {
    expect(await deploy(`${web}:v1 beta serverA`)).toContain("Deployed");
    const url = `http://${h.addr.serverA}:${port}/`;
    expect(await getWithHost(url)).toEqual({ status: 200, body: "web v1" });

    const traffic = startTraffic(url, 70, 10, 10_000);
    const tags = ["v2", "v1", "v2", "crash", "v1", "v2", "v1", "v2", "v1", "v2"];
    let serving = "v1";
    for (const tag of tags) {
      const text = await deploy(`${web}:${tag} beta serverA`);
      if (tag === "crash") {
        expect(text).toMatch(/failed; the previous version keeps serving/);
        // The old version still answers, through the proxy, right after the failed deploy.
        expect(await getWithHost(url)).toEqual({ status: 200, body: `web ${serving}` });
      } else {
        expect(text).toContain("Deployed");
        serving = tag;
        expect(await getWithHost(url)).toEqual({ status: 200, body: `web ${tag}` });
      }
    }
    const report = await traffic.stop();

    // Not one failed request: no refused connection, no reset, no 502, no timeout.
    expect(report.replies.filter((r) => !("status" in r) || r.status !== 200)).toEqual([]);
    // Every answer was one of the two versions.
    const bodies = new Set(report.replies.flatMap((r) => ("body" in r ? [r.body] : [])));
    expect([...bodies].sort()).toEqual(["web v1", "web v2"]);
    // The load is real even on a busy machine (the client aims at 70 requests a second).
    expect(report.sent / report.seconds).toBeGreaterThanOrEqual(30);

    // The app publishes no port of its own; one container of it runs, behind the proxy.
    const running = await managedContainers(h.docker.serverA, web);
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
    expect(running[0]?.Ports.filter((p) => p.PublicPort)).toEqual([]);
    const proxy = await h.docker.serverA.getContainer(proxyName).inspect();
    expect(proxy.HostConfig.RestartPolicy?.Name).toBe("always");
    expect(Object.keys(proxy.NetworkSettings.Networks)).toEqual([network]);
  }, 300_000);

  it("a new container the proxy cannot verify is removed and the proxy stays on the old one", async () => {
    expect(await deploy(`${bad}:v1 beta serverA`)).toMatch(/the proxy could not get \/missing from .+404/);
    expect(await managedContainers(h.docker.serverA, bad)).toEqual([]);
    expect(await getWithHost(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });

  it("two projects share one port by host name and each gets its own traffic", async () => {
    expect(await deploy(`${siteA}:v1 beta serverB`)).toContain("Deployed");
    expect(await deploy(`${siteB}:v2 beta serverB`)).toContain("Deployed");
    const url = `http://${h.addr.serverB}:${shared}/`;
    expect(await getWithHost(url, "a.example.test")).toEqual({ status: 200, body: "web v1" });
    expect(await getWithHost(url, "b.example.test")).toEqual({ status: 200, body: "web v2" });
    const other = await getWithHost(url, "c.example.test");
    expect(other).toMatchObject({ status: 404 });
  });

  it("a project without proxy: still publishes its own port and is not put behind the proxy", async () => {
    expect(await deploy(`${plain}:v1 beta serverB`)).toContain("Deployed");
    expect(await getWithHost(`http://${h.addr.serverB}:${plainPort}/`)).toEqual({
      status: 200,
      body: "web v1",
    });
    const [c] = await managedContainers(h.docker.serverB, plain);
    const info = await h.docker.serverB.getContainer(c?.Id ?? "").inspect();
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual(["bridge"]);
  });
});
