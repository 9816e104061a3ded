import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("a host whose connection resets as the new container is started", () => {
  it("is retried once the host answers again, instead of ending 'failed' with its container left behind", async () => {
    // Found by the chaos soak: the start reached the daemon, the answer was a reset, and the
    // deploy ended failed — with the container it could no longer remove running afterwards.
    expect(await runToEnd(h, "/deploy", `${project}:v1 beta serverA`)).toContain("Deployed");
    const { store, redis } = storeOf(h);
    try {
      const since = h.slack.calls.length;
      await h.command("/deploy", `${project}:v2 beta serverA`);
      const deadline = Date.now() + 60_000;
      let deployId: string | undefined;
      for (;;) {
        const newest = (await store.history(project, "beta", 1))[0];
        if (newest?.meta.tag === "v2" && newest.hosts.serverA?.step === "starting container") {
          deployId = newest.meta.id;
          break;
        }
        if (Date.now() > deadline) throw new Error("the deploy never reached 'starting container'");
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
      expect(text).toContain(`Deployed *${project}:v2*`);
      const running = await managedContainers(h.docker.serverA, project);
      expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
      expect((await store.getHost(deployId as string, "serverA"))?.state).toBe("succeeded");
    } finally {
      redis.disconnect();
    }
  }, 150_000);
});
