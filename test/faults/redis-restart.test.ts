import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";

/**
 * Redis (with AOF) killed and restarted under a running bot: a command sent while it is down is
 * refused with a message, a job queued before the crash survives it, and bot and worker carry
 * on without being restarted themselves. Uses a Redis of its own: the fleet's is shared.
 */
const project = uniqueName("rr");
const dir = mkdtempSync(join(tmpdir(), "dockops-redis-"));
let redisPort: number;
let redis: ChildProcess | undefined;
let worker: Spawned | undefined;
let port: number;
let h: Harness;

async function pickPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: p } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

async function startRedis(): Promise<void> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(redisPort),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  redis = child;
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!out.includes("Ready to accept connections")) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function killRedis(): Promise<void> {
  const child = redis;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  redisPort = await pickPort();
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
