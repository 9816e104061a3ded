import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarFiles } from "../../src/docker/tar.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";
import { removeTestProxies } from "../support/proxy.js";
import { retag } from "../support/registry.js";
import { getWithHost } from "../support/traffic.js";

// The proxy image under a tag of this test's own, so "a newer pull" changes no other test's proxy.
const web = uniqueName("poweb");
const proxyName = uniqueName("proxy");
const network = uniqueName("net");
const tag = uniqueName("t");
const fe = readFleetEnv();
const image = `${need(fe, "REGISTRY_URL")}/caddy:${tag}`;
let port: number;
let h: Harness;

/** Waits for a Docker stream (build, push) to end; an error in it fails the wait. */
function streamed(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: { error?: string }[]) => {
        const failed = err?.message ?? events.find((e) => e.error)?.error;
        if (failed) reject(new Error(failed));
        else resolve();
      },
      () => {},
    ),
  );
}

/** Pushes a new image under the proxy's tag: the same Caddy with one more label. */
async function pushNewerProxyImage(docker: Docker): Promise<void> {
  const context = tarFiles({ Dockerfile: `FROM ${image}\nLABEL dockops.test.upgrade="${tag}"\n` });
  await streamed(docker, await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: image }));
  const auth = {
    username: fe.REGISTRY_USERNAME,
    password: fe.REGISTRY_PASSWORD,
    serveraddress: need(fe, "REGISTRY_URL"),
  };
  await streamed(docker, await docker.getImage(image).push({ authconfig: auth }));
}

beforeAll(async () => {
  port = await freePort();
  await retag(fe, "caddy", "2", tag);
  h = await startHarness(
    {
      [web]: { image: "web", verify: "1s", proxy: { port, target: 80, healthPath: "/healthz", drain: "1s" } },
    },
    { fleet: (input) => ({ ...input, proxy: { image, name: proxyName, network } }) },
  );
}, 120_000);

afterAll(async () => {
  await h?.close();
  await removeTestProxies(h, proxyName, network);
  await h?.docker.serverA
    .getImage(image)
    .remove({ force: true })
    .catch(() => {});
});

describe("/proxy and the proxy in /hosts", () => {
  it("shows each host's proxy, restarts it, and upgrades it to a newer pull keeping its routes", async () => {
    const before = h.slack.calls.length;
    expect((await h.command("/deploy", `${web}:v1 beta serverA`)).status).toBe(200);
    expect(await finishedDeployMessage(h.slack, before)).toContain("Deployed");
    const url = `http://${h.addr.serverA}:${port}/`;
    expect(await getWithHost(url)).toEqual({ status: 200, body: "web v1" });

    const hosts = (await replyTo(h, "/hosts", "")).text;
    expect(hosts).toContain(`• proxy on *serverA*: running (\`${image}\`)`);
    expect(hosts).toContain("• proxy on *serverB*: none yet");

    const noProxy = await replyTo(h, "/proxy", "serverB restart");
    expect(noProxy.text).toContain("no proxy runs on serverB yet");

    const restart = await replyTo(h, "/proxy", "serverA restart");
    expect(restart.visibility).toBe("in_channel");
    expect(restart.text).toBe(
      `:arrows_counterclockwise: <@UDEV> restarted the proxy on *serverA*; it is running \`${image}\` with the routes it had.`,
    );
    await expect
      .poll(() => getWithHost(url), { timeout: 15_000, interval: 250 })
      .toEqual({ status: 200, body: "web v1" });

    const same = await replyTo(h, "/proxy", "serverA upgrade");
    expect(same.text).toContain(`it already runs the newest \`${image}\`, so nothing changed`);

    const docker = h.docker.serverA;
    const oldId = (await docker.getContainer(proxyName).inspect()).Id;
    await pushNewerProxyImage(docker);
    // The worker must pull to see it: forget the newer image here, as another host would not have it.
    await docker
      .getImage(image)
      .remove({ force: true, noprune: true })
      .catch(() => {});
    const upgraded = await replyTo(h, "/proxy", "serverA upgrade");
    expect(upgraded.text).toContain(`upgraded the proxy on *serverA* to a newer pull of \`${image}\``);
    const now = await docker.getContainer(proxyName).inspect();
    expect(now.Id).not.toBe(oldId);
    expect(now.Config.Labels["dockops.test.upgrade"]).toBe(tag);
    await expect
      .poll(() => getWithHost(url), { timeout: 15_000, interval: 250 })
      .toEqual({ status: 200, body: "web v1" });
  }, 240_000);
});
