import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostStatus } from "../../src/deploys/store.js";
import { managedContainers } from "../support/docker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { runToEnd } from "../support/ops-flow.js";
import { storeOf } from "../support/ops-read.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";

/** A TCP link to a Docker daemon that the test can cut: every connection reset, none accepted. */
class CuttableLink {
  private readonly open = new Set<Socket>();
  private cut = false;
  private readonly server: Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.cut) return void client.resetAndDestroy();
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.open.add(s);
        s.on("error", () => {});
        s.on("close", () => {
          this.open.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    return address.port;
  }

  /** Resets every connection now and refuses new ones for `ms`. */
  cutFor(ms: number): void {
    this.cut = true;
    for (const s of this.open) s.resetAndDestroy();
    setTimeout(() => {
      this.cut = false;
    }, ms).unref();
  }

  close(): Promise<void> {
    for (const s of this.open) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const project = uniqueName("reset");
let h: Harness;
let link: CuttableLink;
let worker: Spawned;

beforeAll(async () => {
  const [host, port] = need(readFleetEnv(), "HOST_A_TCP").replace("tcp://", "").split(":");
  link = new CuttableLink({ host: host as string, port: Number(port) });
  const local = await link.listen();
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", verify: "1s" } },
    { roles: ["bot"], hosts: { serverA: { docker: `tcp://127.0.0.1:${local}`, timeout: "10s" } } },
  );
  worker = spawnRole(h, "worker", { DOCKOPS_FAULT_STEP_DELAY_MS: "1500" });
  await waitForOutput(worker, "worker started");
}, 120_000);
afterAll(async () => {
  if (worker) await kill(worker);
  await h?.close();
  await link?.close();
});

/** Deploys `tag`, cuts the link for 3 s once its record shows `step`, and returns the final text. */
async function deployCutAt(
  tag: string,
  step: string,
  reached: (s: HostStatus | undefined) => boolean = (s) => s?.step === step,
): Promise<{ text: string; deployId: string }> {
  const { store, redis } = storeOf(h);
  try {
    const since = h.slack.calls.length;
    await h.command("/deploy", `${project}:${tag} beta serverA`);
    const deadline = Date.now() + 60_000;
    let deployId: string | undefined;
    for (;;) {
      const newest = (await store.history(project, "beta", 1))[0];
      if (newest?.meta.tag === tag && reached(newest.hosts.serverA)) {
        deployId = newest.meta.id;
        break;
      }
      if (Date.now() > deadline) throw new Error(`the deploy never reached '${step}'`);
      await new Promise((r) => setTimeout(r, 20));
    }
    link.cutFor(3_000);
    const text = await h.slack.waitFor(
      () => {
        const done = h.slack.calls
          .slice(since)
          .map((c) => h.slack.messageText(String(c.args.__ts)) ?? "")
          .find((t) => /^:(white_check_mark|x|warning):/.test(t));
        return done || undefined;
      },
      90_000,
      "the deploy to finish",
    );
    expect((await store.getHost(deployId, "serverA"))?.state).toBe("succeeded");
    return { text, deployId };
  } finally {
    redis.disconnect();
  }
}

describe("a host whose connection resets during a deploy", () => {
  it("as the new container is started: retried once the host answers again, instead of ending 'failed' with its container left behind", async () => {
    // Found by the chaos soak: the start reached the daemon, the answer was a reset, and the
    // deploy ended failed — with the container it could no longer remove running afterwards.
    expect(await runToEnd(h, "/deploy", `${project}:v1 beta serverA`)).toContain("Deployed");
    const { text } = await deployCutAt("v2", "starting container");
    expect(text).toContain(`Deployed *${project}:v2*`);
    const running = await managedContainers(h.docker.serverA, project);
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
  }, 150_000);

  it("as the old container is retired: asked again until it stops, not left running beside the new one", async () => {
    // Found by the soak smoke: the stop of the old container was cut off, the deploy succeeded,
    // and the old version kept running next to the new one.
    // Accepted: the worker (slowed 1.5 s at each step) retires the old container next.
    const { text } = await deployCutAt("v1", "acceptance", (s) => s?.accepted === true);
    expect(text).toContain(`Deployed *${project}:v1*`);
    const running = await managedContainers(h.docker.serverA, project);
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v1"]);
  }, 150_000);
});
