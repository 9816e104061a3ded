import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { DeployStore, type HostStatus } from "../../src/deploys/store.js";
import { deployMessage, finalText, startWorker } from "../support/crash.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned } from "../support/processes.js";

/**
 * SIGKILL the worker at each step of a deploy that replaces a running version; another worker
 * must finish or undo it: one container of the project runs, serving v1 or v2, and the channel
 * message says which. Each case has its own bot, key prefix and workers, so they run at once.
 */
const STEPS = [
  "creating container",
  "stopping the previous container",
  "starting container",
  "waiting for health",
];

type Crash = {
  h: Harness;
  project: string;
  port: number;
  store: DeployStore;
  redis: Redis;
  workers: Spawned[];
  /** The v2 deploy's message and id, its slowed-down worker killed once `reached` held. */
  ts: string;
  deployId: string;
};

/**
 * Deploys v1 with a normal worker, then starts v2 on a worker slowed at every step and kills it
 * once `reached` holds for the v2 record; `then` plays the rest. Its own bot, prefix and workers.
 */
async function crashMidDeploy(
  reached: (status: HostStatus | undefined) => boolean,
  what: string,
  then: (c: Crash) => Promise<void>,
): Promise<void> {
  const project = uniqueName("crash");
  const port = await freePort();
  const h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s", stopTimeout: "2s" } },
    { roles: ["bot"] },
  );
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  const store = new DeployStore(redis, h.prefix);
  const workers: Spawned[] = [];
  try {
    const normal = await startWorker(h);
    workers.push(normal);
    await finalText(h, await deployMessage(h, `${project}:v1 beta serverA`));
    await kill(normal);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });

    const doomed = await startWorker(h, { DOCKOPS_FAULT_STEP_DELAY_MS: "1500" });
    workers.push(doomed);
    const ts = await deployMessage(h, `${project}:v2 beta serverA`);
    const deployId = (await store.history(project, "beta", 1))[0]?.meta.id as string;
    const deadline = Date.now() + 60_000;
    while (!reached(await store.getHost(deployId, "serverA"))) {
      if (Date.now() > deadline) throw new Error(`the deploy never got to ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await kill(doomed);
    await then({ h, project, port, store, redis, workers, ts, deployId });
  } finally {
    for (const w of workers) await kill(w);
    redis.disconnect();
    await h.close();
  }
}

describe.concurrent("a worker killed mid-deploy", () => {
  it.each(STEPS)(
    "at '%s' is finished or undone by another worker",
    (step) =>
      crashMidDeploy(
        (status) => status?.step === step,
        `step ${step}`,
        async ({ h, project, port, workers, ts }) => {
          workers.push(await startWorker(h));
          const text = await finalText(h, ts);
          const running = await managedContainers(h.docker.serverA, project);
          expect(running).toHaveLength(1);
          const version = running[0]?.Labels["dockops.version"];
          expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({
            status: 200,
            body: `web ${version}`,
          });
          if (version === "v2") expect(text).toContain(`Deployed *${project}:v2*`);
          else expect(text).toMatch(/failed; the previous version keeps serving/);
        },
      ),
    150_000,
  );

  it(
    "whose workers died too often is undone by the next worker, not left half-made",
    () =>
      // Found by the chaos soak: BullMQ failed a deploy that had lost its worker three times without
      // running anything, and its started container stayed beside the old one for good.
      crashMidDeploy(
        (status) => status?.step === "waiting for health",
        "waiting for health",
        async ({ h, project, port, store, redis, workers, ts, deployId }) => {
          // As if two workers had already died on it: the next stall is one too many.
          await redis.hset(`${h.prefix}:dockops-jobs:deploy-${deployId}-serverA`, "stc", "2");
          workers.push(await startWorker(h));
          const text = await finalText(h, ts);
          expect(text).toContain("the workers running this job stopped 3 times");
          expect(text).toMatch(/failed; the previous version keeps serving/);
          const running = await managedContainers(h.docker.serverA, project);
          expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v1"]);
          expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });
          expect((await store.getHost(deployId, "serverA"))?.state).toBe("failed");
        },
      ),
    150_000,
  );

  it(
    "after its new version was accepted is finished by the next worker, even one that cannot reach the registry",
    () =>
      // Found by the chaos soak: the re-attempt started afresh, failed to resolve the tag (registry
      // down) and, undoing, removed the accepted containers: nothing of the project ran any more.
      crashMidDeploy(
        (status) => status?.accepted === true,
        "acceptance of the new version",
        async ({ h, project, port, workers, ts }) => {
          const input = JSON.parse(readFileSync(h.fleetFile, "utf8")) as { registry: { url: string } };
          const cutOff = join(mkdtempSync(join(tmpdir(), "dockops-noregistry-")), "fleet.yml");
          writeFileSync(
            cutOff,
            JSON.stringify({ ...input, registry: { ...input.registry, url: "127.0.0.1:9" } }),
          );
          workers.push(await startWorker(h, { FLEET_FILE: cutOff }));
          expect(await finalText(h, ts)).toContain(`Deployed *${project}:v2*`);
          const running = await managedContainers(h.docker.serverA, project);
          expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
          expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
        },
      ),
    150_000,
  );
});
