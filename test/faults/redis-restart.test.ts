import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";
import { localFreePort, type RedisServer, startRedisServer } from "../support/redis-server.js";

/**
 * Redis (with AOF) killed and restarted under a running bot: a command sent while it is down is
 * refused with a message, a job queued before the crash survives it, and bot and worker carry
 * on without being restarted themselves. Uses a Redis of its own: the fleet's is shared.
 */
const project = uniqueName("rr");
const dir = mkdtempSync(join(tmpdir(), "dockops-redis-"));
let redisPort: number;
let redis: RedisServer | undefined;
let worker: Spawned | undefined;
let port: number;
let h: Harness;

async function startRedis(): Promise<void> {
  redis = await startRedisServer({ port: redisPort, dir, fsync: "always" });
}

async function killRedis(): Promise<void> {
  await redis?.kill();
}

beforeAll(async () => {
  redisPort = await localFreePort();
  port = await freePort();
  await startRedis();
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
    { roles: ["bot"], redisUrl: `redis://127.0.0.1:${redisPort}` },
  );
});
afterAll(async () => {
  if (worker) await kill(worker);
  await h?.close();
  await killRedis();
});

describe("Redis restart", () => {
  it("loses no queued job, refuses commands clearly while down, and everyone reconnects", async () => {
    // Queued while no worker runs: the job sits in Redis.
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project}:v2 beta serverA`);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      10_000,
      "deploy message",
    );
    const ts = String(post.args.__ts);
    await h.slack.waitFor(
      () => h.logs.some((l) => l.includes('"deploy enqueued"')),
      10_000,
      "the job to be queued",
    );

    await killRedis();
    const sent = Date.now();
    const refused = await h.command("/deploy", `${project}:v1 beta serverA`);
    // Slack drops a slash command not acknowledged within 3 seconds; Redis being down must not delay the ack.
    expect(Date.now() - sent).toBeLessThan(3_000);
    expect(refused.status).toBe(200);
    const reply = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.id === refused.responseId),
      20_000,
      "the refusal",
    );
    expect(String(reply.body.text)).toMatch(/the job queue \(Redis\) is unavailable.*nothing was started/);

    await startRedis();
    worker = spawnRole(h, "worker", { REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    await waitForOutput(worker, "worker started");
    const text = await h.slack
      .waitFor(
        () => {
          const t = h.slack.messageText(ts);
          return t && /^:(white_check_mark|x):/.test(t) ? t : undefined;
        },
        60_000,
        "the queued deploy to finish after the restart",
      )
      .catch((err: Error) => {
        throw new Error(
          `${err.message}\nmessage: ${h.slack.messageText(ts)}\nworker:\n${worker?.output.join("").slice(-3000)}\nbot:\n${h.logs.slice(-15).join("")}`,
        );
      });
    expect(text).toContain(`Deployed *${project}:v2*`);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });
});
