import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";

/**
 * SIGKILL the worker at each step of a deploy that replaces a running version; another worker
 * must finish or undo it: one container of the project runs, serving v1 or v2, and the channel
 * message says which.
 */
const LOCK_MS = "3000";
let h: Harness;
let redis: Redis;
let store: DeployStore;
const projects: Record<string, { port: number }> = {};
const STEPS = [
  "creating container",
  "stopping the previous container",
  "starting container",
  "waiting for health",
];

beforeAll(async () => {
  for (const _ of STEPS) projects[`${uniqueName("crash")}`] = { port: await freePort() };
  h = await startHarness(
    Object.fromEntries(
      Object.entries(projects).map(([name, { port }]) => [
        name,
        { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s", stopTimeout: "2s" },
      ]),
    ),
    { roles: ["bot"] },
  );
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
  store = new DeployStore(redis, h.prefix);
});
afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

async function startWorker(env: Record<string, string> = {}): Promise<Spawned> {
  const w = spawnRole(h, "worker", { WORKER_LOCK_MS: LOCK_MS, ...env });
  await waitForOutput(w, "worker started");
  return w;
}

async function deployAndWait(text: string): Promise<string> {
  const before = h.slack.calls.length;
  await h.command("/deploy", text);
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "deploy message",
  );
  return String(post.args.__ts);
}

async function finalText(ts: string): Promise<string> {
  return h.slack.waitFor(
    () => {
      const text = h.slack.messageText(ts);
      return text && /^:(white_check_mark|x|warning):/.test(text) ? text : undefined;
    },
    90_000,
    "the deploy to finish",
  );
}

describe("a worker killed mid-deploy", () => {
  it.each(STEPS.map((s, i) => [s, i] as const))(
    "at '%s' is finished or undone by another worker",
    async (step, i) => {
      const project = Object.keys(projects)[i] as string;
      const port = projects[project]?.port as number;
      const normal = await startWorker();
      await finalText(await deployAndWait(`${project}:v1 beta serverA`));
      await kill(normal);
      expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });

      const doomed = await startWorker({ DOCKOPS_FAULT_STEP_DELAY_MS: "1500" });
      const ts = await deployAndWait(`${project}:v2 beta serverA`);
      const history = await store.history(project, "beta", 1);
      const deployId = history[0]?.meta.id as string;
      const deadline = Date.now() + 30_000;
      const seen: string[] = [];
      while ((await store.getHost(deployId, "serverA"))?.step !== step) {
        const now = (await store.getHost(deployId, "serverA"))?.step ?? "-";
        if (seen[seen.length - 1] !== now) seen.push(now);
        if (Date.now() > deadline) {
          throw new Error(
            `deploy never reached step ${step}; saw ${seen.join(" → ")}\n${doomed.output.join("")}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await kill(doomed);

      const rescuer = await startWorker();
      try {
        const text = await finalText(ts);
        const running = await managedContainers(h.docker.serverA, project);
        expect(running).toHaveLength(1);
        const version = running[0]?.Labels["dockops.version"];
        const served = await httpGet(`http://${h.addr.serverA}:${port}/`);
        expect(served).toEqual({ status: 200, body: `web ${version}` });
        if (version === "v2") expect(text).toContain(`Deployed *${project}:v2*`);
        else expect(text).toMatch(/failed; the previous version keeps serving/);
      } finally {
        await kill(rescuer);
      }
    },
    120_000,
  );
});
