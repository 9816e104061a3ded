import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigStore } from "../../src/config/config-store.js";
import type { DeployRecord } from "../../src/deploys/store.js";
import { readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";
import { SlackStandIn } from "../support/slack-standin.js";
import {
  checkMessagesAndAlerts,
  checkRevisions,
  checkSecrets,
  checkStuck,
  type Violation,
} from "./checker.js";
import type { World } from "./world.js";

/**
 * The soak's checker must see a broken invariant when there is one: each check is given a state
 * that breaks it (in the shared Redis under a fresh prefix) and must name it.
 */
let redis: Redis;
let prefix: string;
let world: World;

beforeAll(() => {
  redis = new Redis(readFleetEnv().REDIS_URL as string);
  prefix = uniqueName("chk");
  const dir = mkdtempSync(join(tmpdir(), "soak-checker-"));
  const proc = (name: string) => {
    writeFileSync(join(dir, `${name}.log`), `{"msg":"deploy step"}\n`);
    return { name, logFile: join(dir, `${name}.log`) };
  };
  world = {
    prefix,
    slack: new SlackStandIn(),
    docker: {},
    bot: proc("bot"),
    workers: [proc("worker1")],
    monitor: proc("monitor"),
  } as unknown as World;
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("the soak checker", () => {
  it("names a config revision gap (6)", async () => {
    const config = new ConfigStore(redis, prefix);
    await config.change("sk1", "beta", { op: "set", entries: { A: { v: "1" } } }, "U1");
    await config.change("sk1", "beta", { op: "set", entries: { A: { v: "2" } } }, "U2");
    const v: Violation[] = [];
    await checkRevisions(redis, config, v);
    expect(v).toEqual([]);
    await redis.hdel(config.key("sk1", "beta"), "r1");
    await checkRevisions(redis, config, v);
    expect(v.map((x) => x.what)).toEqual(["sk1/beta: head is r2 but r1 is missing"]);
  });

  it("names a host lock left behind (5)", async () => {
    const v: Violation[] = [];
    await checkStuck(world, redis, v);
    expect(v).toEqual([]);
    await redis.set(`${prefix}:host-lock:sk1:beta:soakA`, "abc dead-deploy");
    await checkStuck(world, redis, v);
    expect(v.map((x) => x.what)).toEqual([
      `host lock ${prefix}:host-lock:sk1:beta:soakA still held by abc dead-deploy`,
    ]);
  });

  it("names a deploy still in progress and a message that never finished (3)", async () => {
    const record: DeployRecord = {
      meta: {
        id: "d1",
        project: "sk1",
        env: "beta",
        tag: "v1",
        hosts: ["soakA"],
        requestedBy: "U1",
        channel: "CBETA",
        createdAt: Date.now(),
        message: { channel: "CBETA", ts: "1.0001" },
      },
      hosts: { soakA: { state: "running", step: "waiting for health" } },
    };
    world.slack.calls.push({
      method: "chat.update",
      args: { channel: "CBETA", ts: "1.0001", text: ":hourglass: Deploying sk1:v1" },
      at: Date.now(),
    });
    const v: Violation[] = [];
    await checkMessagesAndAlerts(world, redis, [record], v);
    expect(v.map((x) => x.what)).toEqual([
      "deploy d1 (sk1:v1 beta) still soakA=running (waiting for health)",
      'deploy d1 message still says ":hourglass: Deploying sk1:v1"',
    ]);
  });

  it("names a secret in a log line or in Redis (4)", async () => {
    const secret = "s0akdeadbeef0123";
    const v: Violation[] = [];
    await checkSecrets(world, redis, [secret], v);
    expect(v).toEqual([]);
    writeFileSync(world.workers[0]?.logFile as string, `{"msg":"env","value":"${secret}"}\n`);
    await redis.set(`${prefix}:leak`, `DB_PASSWORD=${secret}`);
    await checkSecrets(world, redis, [secret], v);
    expect(v.map((x) => x.what)).toEqual([
      "a secret (s0ak…) appears in worker1 log",
      `a secret (s0ak…) appears in redis ${prefix}:leak`,
    ]);
  });
});
