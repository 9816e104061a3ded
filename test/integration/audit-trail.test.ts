import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import type { AuditEvent } from "../../src/audit/event.js";
import { createLogger } from "../../src/log.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

const project = uniqueName("aud");
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness({ [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } });
  // A second bot process on the same queue: both see every job event.
  await h.spawn(["bot"]);
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
});

async function entries(prefix: string): Promise<Array<AuditEvent & { id: string }>> {
  const raw = await redis.xrange(`${prefix}:audit`, "-", "+");
  return raw.map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] as string) as AuditEvent) }));
}

describe("audit trail with two bots", () => {
  it("records each job event once", async () => {
    const before = h.slack.calls.length;
    await h.command("/deploy", `${project} beta`, { channel: "CBETA" });
    expect(await finishedDeployMessage(h.slack, before)).toMatch(/Deployed/);
    // Both bots have had time to see the last job event before counting.
    await new Promise((r) => setTimeout(r, 1_500));
    const jobs = (await entries(h.prefix)).filter((e) => e.type === "job");
    const keys = jobs.map((e) => `${e.action} ${e.text}`);
    expect(keys.filter((k) => k.startsWith("started")).length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.startsWith("finished")).length).toBeGreaterThan(0);
    expect(keys.length, keys.join("\n")).toBe(new Set(keys).size);
    const lines = h.logs.filter((l) => l.includes('"msg":"audit"') && l.includes('"type":"job"'));
    expect(lines.length).toBe(jobs.length);
  });
});

describe("audit retention", () => {
  const log = createLogger("silent");
  const event: AuditEvent = { type: "command", action: "planned", text: "/status" };

  it("drops entries older than the retention, whatever their number", async () => {
    const prefix = uniqueName("audret");
    const day = 86_400_000;
    const old = Date.now() - 3 * day;
    await redis.xadd(`${prefix}:audit`, `${old}-0`, "event", JSON.stringify({ ...event, text: "old" }));
    await redis.xadd(
      `${prefix}:audit`,
      `${old + 2 * day}-0`,
      "event",
      JSON.stringify({ ...event, text: "young" }),
    );
    const audit = new AuditLog(redis, prefix, log, 2 * day);
    // A flood of cheap entries: with a count limit the young entry would be pushed out.
    const pipe = redis.pipeline();
    for (let i = 0; i < 10_500; i++) pipe.xadd(`${prefix}:audit`, "*", "event", JSON.stringify(event));
    await pipe.exec();
    await audit.append(event);
    // MINID ~ trims whole stream nodes; one exact trim shows what the retention keeps.
    await redis.xtrim(`${prefix}:audit`, "MINID", String(Date.now() - 2 * day));
    const texts = (await entries(prefix)).map((e) => e.text);
    expect(texts).not.toContain("old");
    expect(texts).toContain("young");
    expect(texts.length).toBe(10_502);
    await redis.del(`${prefix}:audit`);
  });

  it("trims by age on each write", async () => {
    const prefix = uniqueName("audret");
    const key = `${prefix}:audit`;
    // Enough old entries to fill whole stream nodes (100 entries each), which MINID ~ removes.
    const pipe = redis.pipeline();
    for (let i = 1; i <= 1_000; i++) pipe.xadd(key, `${1_000 + i}-0`, "event", JSON.stringify(event));
    await pipe.exec();
    await new AuditLog(redis, prefix, log, 86_400_000).append(event);
    expect(await redis.xlen(key)).toBeLessThan(200);
    await redis.del(key);
  });
});

describe("npm run audit:export", () => {
  it("writes the entries of the last --since as JSON lines, oldest first", async () => {
    const prefix = uniqueName("audexp");
    const key = `${prefix}:audit`;
    const now = Date.now();
    await redis.xadd(
      key,
      `${now - 40 * 86_400_000}-0`,
      "event",
      JSON.stringify({ type: "command", action: "a" }),
    );
    await redis.xadd(
      key,
      `${now - 10 * 86_400_000}-0`,
      "event",
      JSON.stringify({ type: "command", action: "b" }),
    );
    for (let i = 0; i < 1_200; i++)
      await redis.xadd(key, "*", "event", JSON.stringify({ type: "job", action: "c" }));
    const run = spawnSync("npx", ["tsx", "src/cli/audit-export.ts", "--since", "30d"], {
      env: { ...process.env, REDIS_URL: h.fleetEnv.REDIS_URL, DOCKOPS_PREFIX: prefix },
      encoding: "utf8",
    });
    await redis.del(key);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(1_201);
    expect(lines[0]).toMatchObject({ type: "command", action: "b" });
    expect(new Date(String(lines[0]?.at)).getTime()).toBe(now - 10 * 86_400_000);
    expect(lines.slice(1).every((l) => l.action === "c")).toBe(true);
    expect(run.stderr).toContain("1201 audit entries");

    const bad = spawnSync("npx", ["tsx", "src/cli/audit-export.ts", "--since", "lately"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--since takes an age");
  });
});
