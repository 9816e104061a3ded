import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigStore } from "../../src/config/config-store.js";
import { DeployStore } from "../../src/deploys/store.js";
import { DockerHosts } from "../../src/docker/connect.js";
import { createRedis } from "../../src/queue/connection.js";
import { openRedis } from "../../src/queue/redis-url.js";
import { confirmReplicated, markWrites } from "../../src/queue/replicas.js";
import { type Created, followCreates } from "../support/docker-events.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";
import { type SentinelSet, startSentinelSet } from "../support/redis-sentinel.js";

/**
 * A Sentinel failover (master, one replica, three sentinels of its own) in the middle of a
 * stream of deploy and config commands: every deploy the bot accepted runs exactly once, every
 * config revision it confirmed is still there, and the bot and a worker process carry on with
 * the new master without being restarted. The fleet's Redis is shared and never fails over.
 */
const BEFORE = 5;
const DURING = 4;
const AFTER = 3;
const CRASH = 2;
const projects = Array.from({ length: BEFORE + DURING + AFTER + CRASH }, (_, i) => uniqueName(`fo${i}`));
const HOSTS = ["serverA", "serverB"] as const;
let set: SentinelSet;
let h: Harness;
let worker: Spawned | undefined;
let redis: Redis;
const creates: Array<{ host: string; created: Created[]; stop: () => void }> = [];

beforeAll(async () => {
  set = await startSentinelSet(mkdtempSync(join(tmpdir(), "dockops-sentinel-")));
  const ports = await Promise.all(projects.map(() => freePort()));
  h = await startHarness(
    Object.fromEntries(
      projects.map((p, i) => [p, { image: "web", tag: "v1", ports: [`${ports[i]}:80`], verify: "1s" }]),
    ),
    { roles: ["bot"], redisUrl: set.url },
  );
  worker = spawnRole(h, "worker", { WORKER_CONCURRENCY: "4" });
  await waitForOutput(worker, "worker started");
  redis = openRedis(set.url);
  redis.on("error", () => {});
  // The harness's clients time out on a silent stream; this one must hear every create.
  const docker = new DockerHosts(h.fleet.hosts);
  for (const host of HOSTS) creates.push({ host, ...(await followCreates(docker.untimed(host))) });
}, 90_000);
afterAll(async () => {
  for (const c of creates) c.stop();
  if (worker) await kill(worker);
  redis?.disconnect();
  await h?.close();
  await set?.stop();
});

/** `settled`: sent once the new master had a replica again, so it must run. */
type Sent = { project: string; responseId: string; settled: boolean };
type Outcome = "refused" | "deployed" | "failed";
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deploy(project: string, settled: boolean): Promise<Sent> {
  const ack = await h.command("/deploy", `${project}:v2 beta`);
  expect(ack.status).toBe(200);
  return { project, responseId: ack.responseId, settled };
}

/** The text of the deploy message of `project`, as it stands. */
function messageOf(project: string): string | undefined {
  for (const call of h.slack.calls) {
    if (call.method !== "chat.postMessage") continue;
    const text = h.slack.messageText(String(call.args.__ts));
    if (text?.includes(`*${project}:v2*`)) return text;
  }
  return undefined;
}

/** What the person who sent it was finally told; undefined while it is still under way. */
function outcomeOf(s: Sent): Outcome | undefined {
  const reply = h.slack.responses.find((r) => r.id === s.responseId);
  if (reply && /not started|unavailable/.test(String(reply.body.text))) return "refused";
  const message = messageOf(s.project) ?? "";
  const headline = message.split("\n")[0] ?? "";
  // The bot words it in the headline, then redraws the message from the record: hosts "not started".
  if (/not started/.test(headline) || /failed — not started/.test(message)) return "refused";
  if (headline.startsWith(":white_check_mark: Deployed")) return "deployed";
  if (/failed/.test(headline)) return "failed";
  return undefined;
}

function workerLines(project: string): string {
  const lines = (worker?.output.join("") ?? "").split("\n");
  return lines
    .filter((l) => l.includes(project) || /error|fail/i.test(l))
    .join("\n")
    .slice(-4000);
}

const allCreated = () => creates.flatMap(({ host, created }) => created.map((c) => ({ ...c, host })));

/**
 * Each deploy has one record with a final state per host; a host that succeeded got exactly one
 * container. A deploy under way during the switch may instead stop on a host where its lock did
 * not survive (the worker's guard against two deploys at once), without a second container.
 */
async function expectRanOnce(deploys: Sent[]): Promise<ReturnType<typeof allCreated>> {
  const store = new DeployStore(redis, h.prefix);
  const records = new Map<string, NonNullable<Awaited<ReturnType<DeployStore["get"]>>>>();
  for (const s of deploys) {
    const ids = await redis.lrange(`${h.prefix}:history:${s.project}:beta`, 0, -1);
    expect(ids, `${s.project}: one deploy record`).toHaveLength(1);
    const record = await store.get(ids[0] as string);
    if (!record) throw new Error(`${s.project}: the record ${ids[0]} is listed but missing`);
    records.set(s.project, record);
  }
  const succeeded = [...records.values()].flatMap((r) =>
    HOSTS.filter((host) => r.hosts[host]?.state === "succeeded").map((host) => ({ id: r.meta.id, host })),
  );
  // Docker delivers events late on a busy machine: wait for each expected one before counting.
  const missing = () =>
    succeeded.filter(({ id, host }) => !allCreated().some((c) => c.deploy === id && c.host === host));
  await h.slack
    .waitFor(() => missing().length === 0 || undefined, 30_000, "Docker's create events")
    .catch((err: Error) => {
      throw new Error(`${err.message}: none for ${JSON.stringify(missing())}`);
    });
  const created = allCreated();
  for (const s of deploys) {
    const record = records.get(s.project);
    for (const host of HOSTS) {
      const status = record?.hosts[host];
      const made = created.filter((c) => c.deploy === record?.meta.id && c.host === host).length;
      const what = `${s.project} on ${host}: ${JSON.stringify(status)}, ${made} container(s) created`;
      if (s.settled || status?.state !== "failed") {
        expect(status?.state, what).toBe("succeeded");
        expect(made, what).toBe(1);
      } else {
        expect(status.error, what).toMatch(/lost its lock/);
        expect(made, what).toBeLessThanOrEqual(1);
      }
    }
  }
  return created;
}

async function setConfig(project: string, stage: string): Promise<{ revision?: number; refused?: string }> {
  const ack = await h.command("/config", `set ${project} beta STAGE=${stage}`);
  expect(ack.status).toBe(200);
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    30_000,
    "the reply to /config set",
  );
  const text = String(reply.body.text);
  const revision = /config is now \*r(\d+)\*/.exec(text);
  return revision ? { revision: Number(revision[1]) } : { refused: text.slice(0, 300) };
}

describe("Redis Sentinel failover", () => {
  it("runs every acknowledged deploy exactly once and keeps every confirmed config revision", async () => {
    const sent: Sent[] = [];
    const configs: Array<{ project: string; stage: string; revision?: number; refused?: string }> = [];
    const setAndNote = async (project: string, stage: string) => {
      configs.push({ project, stage, ...(await setConfig(project, stage)) });
    };

    await setAndNote(projects[0] as string, "before");
    for (const p of projects.slice(0, BEFORE)) {
      sent.push(await deploy(p, false));
      await pause(500);
    }
    const failover = set.failover();
    // Sent while the sentinels switch masters: each may be refused, but none may be lost.
    for (const p of projects.slice(BEFORE, BEFORE + DURING)) {
      sent.push(await deploy(p, false));
      await pause(300);
    }
    await setAndNote(projects[1] as string, "during");
    const { from, to, ms: switchMs } = await failover;
    expect(to).not.toBe(from);
    // The demoted master must resync as the new master's replica before a write can be confirmed.
    await set.replicasOnline(1);
    for (const p of projects.slice(BEFORE + DURING, BEFORE + DURING + AFTER)) {
      sent.push(await deploy(p, true));
      await pause(500);
    }
    await setAndNote(projects[2] as string, "after");

    const outcomes = await h.slack
      .waitFor(
        () => {
          const all = sent.map(outcomeOf);
          return all.every((o) => o !== undefined) ? all : undefined;
        },
        150_000,
        "every deploy to be refused or to finish",
      )
      .catch((err: Error) => {
        const state = sent.map(
          (s) => `${s.project}: ${outcomeOf(s)} ${messageOf(s.project)?.split("\n")[0]}`,
        );
        throw new Error(
          `${err.message}\n${state.join("\n")}\nworker:\n${worker?.output.join("").slice(-3000)}\nbot:\n${h.logs.slice(-20).join("")}`,
        );
      });
    const accepted = sent.filter((_, i) => outcomes[i] !== "refused");
    const refused = sent.filter((_, i) => outcomes[i] === "refused");
    console.log(
      `failover ${from} -> ${to} (the sentinels named it after ${switchMs} ms): ${accepted.length} deploys accepted, ${refused.length} refused (${refused.map((s) => s.project).join(" ")}); config revisions ${JSON.stringify(configs)}`,
    );
    // The bot and the worker found the new master by themselves: what was sent after it ran.
    for (const s of sent.filter((x) => x.settled))
      expect(outcomeOf(s), `${s.project}: ${messageOf(s.project)}\n${workerLines(s.project)}`).toBe(
        "deployed",
      );
    expect(worker?.child.exitCode).toBeNull();

    const created = await expectRanOnce(accepted);
    // A refused deploy may have left a job behind in the failover's window, but never runs twice.
    for (const s of refused) {
      for (const host of HOSTS) {
        const made = created.filter((c) => c.project === s.project && c.host === host);
        expect(made.length, `${s.project} (refused) on ${host}`).toBeLessThanOrEqual(1);
      }
    }

    const configStore = new ConfigStore(redis, h.prefix);
    for (const c of configs) {
      if (c.revision === undefined) continue;
      const kept = await configStore.revision(c.project, "beta", c.revision);
      expect(kept?.entries.STAGE?.v, `${c.project} r${c.revision}`).toBe(c.stage);
    }
    // Before and after the failover a change is confirmed; during it, it may be refused.
    expect(configs.filter((c) => c.stage !== "during").every((c) => c.revision !== undefined)).toBe(true);
  }, 240_000);

  it("after the master is killed, refuses deploys while no replica holds them, then runs them once", async () => {
    const [alone, rejoined] = projects.slice(-CRASH) as [string, string];
    const crash = await set.crashMaster();
    // The promoted replica has no replica of its own until the killed server returns.
    const refused = await deploy(alone, false);
    await h.slack.waitFor(() => outcomeOf(refused), 60_000, "the deploy without a replica to be refused");
    expect(outcomeOf(refused), messageOf(alone)).toBe("refused");
    await crash.restart();
    await set.replicasOnline(1);
    const sent = await deploy(rejoined, true);
    await h.slack.waitFor(() => outcomeOf(sent), 120_000, "the deploy after the restart to finish");
    console.log(`master ${crash.from} killed; the sentinels named ${crash.to} after ${crash.ms} ms`);
    expect(outcomeOf(sent), `${messageOf(rejoined)}\n${workerLines(rejoined)}`).toBe("deployed");
    await expectRanOnce([sent]);
    expect(worker?.child.exitCode).toBeNull();
  }, 120_000);

  it("reports what waiting for a replica costs (a ratio, not asserted)", async () => {
    const plain = createRedis(set.url, "client");
    const waiting = createRedis(set.url, "client", { replicas: 1, timeoutMs: 1_000 });
    for (const r of [plain, waiting]) r.on("error", () => {});
    const key = `${h.prefix}:wait-cost`;
    const time = async (r: Redis, confirm: boolean) => {
      const started = performance.now();
      for (let i = 0; i < 200; i++) {
        const mark = markWrites(r);
        await r.hset(key, "n", String(i));
        if (confirm) expect((await confirmReplicated(r, mark)).ok).toBe(true);
      }
      return (performance.now() - started) / 200;
    };
    try {
      await time(plain, false);
      const without = await time(plain, false);
      const withWait = await time(waiting, true);
      console.log(
        `one write: ${without.toFixed(3)} ms; with WAIT 1: ${withWait.toFixed(3)} ms (x${(withWait / without).toFixed(2)})`,
      );
    } finally {
      plain.disconnect();
      waiting.disconnect();
    }
  });
});
