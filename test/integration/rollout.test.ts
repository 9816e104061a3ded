import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { dockerOptions } from "../../src/docker/connect.js";
import type { HostSpec } from "../../src/fleet/schema.js";
import { deployJobId } from "../../src/jobs/schemas.js";
import { managedContainers } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { type Harness, type HostName, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { ask } from "../support/ops-read.js";

// Rolling deploys over the three namespaced hosts, one host per batch.
const project = uniqueName("roll");
const env = "roll";
const HOSTS = ["serverA", "serverB", "serverC"] as const;
let h: Harness;
let redis: Redis;
let store: DeployStore;

type Seen = { host: string; action: string; at: number; deploy?: string; version?: string; id: string };
const seen: Seen[] = [];
const streams: NodeJS.ReadableStream[] = [];

const untimed = (host: HostName) =>
  new Docker({ ...dockerOptions(host, h.fleet.hosts[host] as HostSpec), timeout: undefined });

/**
 * Every container event of the project on every host, with Docker's own time. Through a client
 * without the fleet's request timeout: docker-modem applies it as an idle timeout, which would
 * end the stream of a host that has nothing to report for a while (serverC, the last batch).
 */
async function follow(host: HostName): Promise<void> {
  const stream = (await untimed(host).getEvents({
    filters: { type: ["container"], label: [`dockops.project=${project}`] },
  })) as NodeJS.ReadableStream;
  streams.push(stream);
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const e = JSON.parse(line) as {
        Action: string;
        timeNano: number;
        Actor: { ID: string; Attributes: Record<string, string> };
      };
      seen.push({
        host,
        action: e.Action,
        at: e.timeNano / 1e6,
        id: e.Actor.ID,
        deploy: e.Actor.Attributes["dockops.deploy"],
        version: e.Actor.Attributes["dockops.version"],
      });
    }
  });
}

beforeAll(async () => {
  h = await startHarness(
    { [project]: { image: "web", verify: "1s" } },
    {
      environments: {
        [env]: { hosts: [...HOSTS], rollout: { batch: 1, pause: "1s", onFailure: "rollback" } },
      },
    },
  );
  redis = new Redis(need(h.fleetEnv, "REDIS_URL"));
  store = new DeployStore(redis, h.prefix);
  for (const host of HOSTS) await follow(host);
}, 120_000);

afterAll(async () => {
  for (const s of streams) (s as unknown as { destroy?: () => void }).destroy?.();
  redis?.disconnect();
  await h?.close();
});

/** Sends the deploy and waits for its message to show `done`; returns the text and the deploy id. */
async function rollout(text: string, done: RegExp): Promise<{ text: string; id: string }> {
  const before = h.slack.calls.length;
  expect((await h.command("/deploy", text)).status).toBe(200);
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "the deploy message",
  );
  const ts = String(post.args.__ts);
  // Read now: a rollback the rollout starts is a newer record.
  const id = (await store.history(project, env, 1))[0]?.meta.id as string;
  const final = await h.slack.waitFor(
    () => {
      const t = h.slack.messageText(ts);
      return t && done.test(t.split("\n")[0] ?? "") ? t : undefined;
    },
    150_000,
    `the message to match ${done}`,
  );
  return { text: final, id };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function versions(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const host of HOSTS) {
    const running = await managedContainers(h.docker[host], project);
    out[host] = running.map((c) => c.Labels["dockops.version"] ?? "?").sort();
  }
  return out;
}

describe("rolling deploys, one host per batch", () => {
  it("swaps one host at a time: no two hosts are ever mid-swap (from the hosts' Docker events)", async () => {
    expect((await rollout(`${project}:v1 ${env}`, /Deployed/)).text).toContain("in 3 batches");
    const from = Date.now();
    const { text, id } = await rollout(`${project}:v2 ${env}`, /Deployed/);
    expect(text).toMatch(/Deployed \*[^*]+:v2\* to \*roll\* on serverA, serverB, serverC in 3 batches/);
    expect(await versions()).toEqual({ serverA: ["v2"], serverB: ["v2"], serverC: ["v2"] });

    // Each host's swap: from the new container's creation to the old one's retirement. Docker
    // delivers events a little late on a busy machine: wait until every host's retirement is in.
    const retiredOn = (host: string) =>
      seen.some((e) => e.host === host && e.version === "v1" && e.at >= from - 1_000 && e.action === "die");
    await until(async () => HOSTS.every(retiredOn), "the v1 containers' events", 30_000).catch((err) => {
      throw new Error(
        `${err}: ${JSON.stringify(seen.filter((e) => e.at >= from - 1_000 && !e.action.startsWith("exec")).map((e) => [e.host, e.action, e.version, Math.round(e.at - from)]))}`,
      );
    });
    const windows = HOSTS.map((host) => {
      const mine = seen.filter((e) => e.host === host && e.at >= from - 1_000);
      const created = mine.find((e) => e.deploy === id && e.action === "create");
      const retired = mine.filter(
        (e) => e.version === "v1" && (e.action === "die" || e.action === "destroy"),
      );
      expect(created, `the v2 container on ${host}`).toBeDefined();
      expect(retired.length, `the v1 container retired on ${host}`).toBeGreaterThan(0);
      return { host, start: created?.at ?? 0, end: Math.max(...retired.map((e) => e.at)) };
    });
    for (const [a, b] of [
      [0, 1],
      [1, 2],
    ] as const) {
      expect(windows[a]?.end, `${windows[a]?.host} finished before ${windows[b]?.host} began`).toBeLessThan(
        windows[b]?.start ?? 0,
      );
    }
  }, 300_000);

  it("a broken image fails on the first host, and the other two never see it", async () => {
    const { text, id } = await rollout(`${project}:crash ${env}`, /failed/);
    expect(text).toMatch(/\*serverA\*: failed/);
    expect(text).toContain("*serverB*: failed — not started: batch 1 failed on serverA");
    expect(text).toContain("*serverC*: failed — not started: batch 1 failed on serverA");
    // Nothing of this deploy reached serverB or serverC: no container, not even created.
    expect(seen.filter((e) => e.deploy === id && e.host !== "serverA")).toEqual([]);
    expect(await versions()).toEqual({ serverA: ["v2"], serverB: ["v2"], serverC: ["v2"] });
  }, 300_000);

  it("onFailure: rollback puts a finished batch back when a later batch fails", async () => {
    // serverB's new container dies as soon as it starts: batch 1 (serverA) took v1, batch 2 fails.
    const killer = (await untimed("serverB").getEvents({
      filters: { type: ["container"], event: ["start"], label: [`dockops.project=${project}`] },
    })) as NodeJS.ReadableStream;
    killer.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        const e = JSON.parse(line) as { Actor: { ID: string; Attributes: Record<string, string> } };
        if (e.Actor.Attributes["dockops.version"] === "v1") {
          void h.docker.serverB
            .getContainer(e.Actor.ID)
            .kill()
            .catch(() => {});
        }
      }
    });
    try {
      const { text, id } = await rollout(`${project}:v1 ${env}`, /Rollout .* failed/);
      expect(text).toMatch(/^:rewind: Rollout of \*[^*]+:v1\* to \*roll\* .* failed at batch 2 of 3/);
      expect(text).toMatch(/\*serverA\*: running/);
      expect(text).toMatch(/\*serverB\*: failed/);
      expect(text).toContain("*serverC*: failed — not started: batch 2 failed on serverB");
      expect(text).toMatch(/:rewind: Rolling back to \*v2\*:\n:white_check_mark: \*serverA\*: running/);
      expect(seen.filter((e) => e.deploy === id && e.host === "serverC")).toEqual([]);
      expect(await versions()).toEqual({ serverA: ["v2"], serverB: ["v2"], serverC: ["v2"] });
      const record = await store.get(id);
      expect(record?.rollbackId).toBeDefined();
    } finally {
      (killer as unknown as { destroy?: () => void }).destroy?.();
    }
  }, 300_000);

  it("/cancel of a running rollout lets the batch finish and starts no other", async () => {
    const before = h.slack.calls.length;
    expect((await h.command("/deploy", `${project}:v1 ${env}`)).status).toBe(200);
    await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "the deploy message",
    );
    const id = (await store.history(project, env, 1))[0]?.meta.id as string;
    await until(async () => (await store.getHost(id, "serverA"))?.state === "running", "serverA to start");
    const reply = await ask(h, "/cancel", deployJobId(id, "serverA"));
    expect(reply.visibility).toBe("in_channel");
    expect(reply.text).toMatch(
      /stopped the rollout .*: the batch running now finishes, no later batch starts/,
    );
    await until(async () => {
      const r = await store.get(id);
      return HOSTS.every((host) => ["succeeded", "failed"].includes(r?.hosts[host]?.state ?? ""));
    }, "the rollout to end");
    const record = await store.get(id);
    expect(record?.hosts.serverA?.state).toBe("succeeded");
    expect(record?.hosts.serverB).toMatchObject({ state: "failed", cancelledBy: expect.any(String) });
    expect(record?.hosts.serverC).toMatchObject({ state: "failed", cancelledBy: expect.any(String) });
    expect(await versions()).toEqual({ serverA: ["v1"], serverB: ["v2"], serverC: ["v2"] });
  }, 300_000);
});
