import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo, runToEnd } from "../support/ops-flow.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";

const project = uniqueName("order");
let port: number;
let h: Harness;
let redis: Redis;
let worker: Spawned | undefined;

beforeAll(async () => {
  port = await freePort();
  // The bot here, the worker as its own process: two worker slots, and slow steps so a deploy
  // holds its host long enough for others to queue behind it.
  h = await startHarness(
    {
      [project]: {
        image: "web",
        tag: "v1",
        ports: [`${port}:80`],
        verify: "1s",
        stopTimeout: "2s",
        exec: { allow: ["cat /www/index.html"] },
      },
    },
    { roles: ["bot"] },
  );
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
  worker = spawnRole(h, "worker", { WORKER_CONCURRENCY: "2", DOCKOPS_FAULT_STEP_DELAY_MS: "400" });
  await waitForOutput(worker, "worker started");
});
afterAll(async () => {
  if (worker) await kill(worker);
  redis?.disconnect();
  await h?.close();
});

const FINAL = /^:(white_check_mark|x|warning|fast_forward):/;

/** Sends the deploys `gapMs` apart; returns each one's channel message ts, in request order. */
async function deployAll(texts: string[], gapMs: number): Promise<string[]> {
  const ts: string[] = [];
  for (const text of texts) {
    const before = h.slack.calls.length;
    expect((await h.command("/deploy", text)).status).toBe(200);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      `the message of ${text}`,
    );
    ts.push(String(post.args.__ts));
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return ts;
}

const finalText = (ts: string) =>
  h.slack.waitFor(
    () => {
      const text = h.slack.messageText(ts);
      return text && FINAL.test(text) ? text : undefined;
    },
    120_000,
    "a deploy to finish",
  );

describe("deploys queued for one project+env+host", () => {
  it("end on the newest request; an older queued one is superseded and says by which", async () => {
    expect(await runToEnd(h, "/deploy", `${project}:v1 beta serverA`)).toContain("Deployed");
    const [first, middle, last] = await deployAll(
      [`${project}:v2 beta serverA`, `${project}:v1 beta serverA`, `${project}:v2 beta serverA`],
      300,
    );
    const store = new DeployStore(redis, h.prefix);
    const [newest] = await store.history(project, "beta", 1);
    expect(await finalText(first as string)).toMatch(/^:white_check_mark: Deployed \*.+:v2\*/);
    const superseded = await finalText(middle as string);
    expect(superseded).toMatch(/^:fast_forward: Deploy of \*.+:v1\* .* was superseded by a newer deploy/);
    expect(superseded).toContain(`superseded by deploy \`${newest?.meta.id}\` (v2), a newer request`);
    expect(await finalText(last as string)).toMatch(/^:white_check_mark: Deployed \*.+:v2\*/);

    const running = await managedContainers(h.docker.serverA, project);
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v2"]);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  }, 240_000);

  it("deploys waiting for the host hold no worker slot: /exec runs while they wait", async () => {
    const store = new DeployStore(redis, h.prefix);
    // One deploy holds serverA; two more queue behind it — as many as the worker has slots.
    const [holder] = await deployAll([`${project}:v1 beta serverA`], 0);
    const [holding] = await store.history(project, "beta", 1);
    await deployAll([`${project}:v2 beta serverA`, `${project}:v1 beta serverA`], 100);
    const waiting = (await store.history(project, "beta", 2)).map((r) => r.meta.id);
    const deadline = Date.now() + 60_000;
    const waitingFor = `waiting for deploy ${holding?.meta.id} on this host to finish`;
    for (;;) {
      const steps = await Promise.all(waiting.map((id) => store.getHost(id, "serverA")));
      // One waiting is enough to go on: whether the other one got a slot is what is tested.
      if (steps.some((s) => s?.step === waitingFor)) break;
      if (Date.now() > deadline) throw new Error(`the deploys never waited: ${JSON.stringify(steps)}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const reply = await replyTo(h, "/exec", `${project} beta serverA -- cat /www/index.html`);
    expect(reply.text).toMatch(/web v[12]/);
    // Answered while the first deploy still held the host (timed from the records).
    const answeredAt = Date.now();
    await finalText(holder as string);
    const done = await store.getHost(holding?.meta.id as string, "serverA");
    expect(done?.state).toBe("succeeded");
    expect(answeredAt).toBeLessThan(done?.finishedAt as number);
  }, 240_000);
});
