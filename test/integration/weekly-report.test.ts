import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DeployStore } from "../../src/deploys/store.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { AlertStore } from "../../src/monitor/alert-store.js";
import { ReportService } from "../../src/report/report-service.js";
import { WeeklyReport } from "../../src/report/weekly-report.js";
import { ShellChat } from "../../src/shell/shell-chat.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { testFleetInput } from "../support/harness.js";
import { uniqueName } from "../support/names.js";

const fe = readFleetEnv();
const prefix = uniqueName("wk");
const redises: Redis[] = [];
const schedule = { channel: "C0DORA", weekday: "monday", time: "09:00", days: 7 } as const;

afterAll(async () => {
  const [redis] = redises;
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  for (const r of redises) r.disconnect();
});

/** One bot's weekly poster: its own Redis connection and chat, the shared prefix, the test's clock. */
function bot(clock: { now: number }) {
  const redis = new Redis(need(fe, "REDIS_URL"));
  redises.push(redis);
  const fleet = fleetSchema.parse(testFleetInput(fe, { web: { image: "web" } }));
  const service = new ReportService(
    () => fleet,
    new DeployStore(redis, prefix),
    new AlertStore(redis, prefix),
    () => clock.now,
  );
  const posts: string[] = [];
  const chat = new ShellChat((text) => posts.push(text));
  const weekly = new WeeklyReport(
    redis,
    prefix,
    schedule,
    service,
    chat,
    pino({ level: "silent" }),
    () => clock.now,
  );
  return { weekly, posts };
}

describe("the weekly report post (real Redis, an injected clock)", () => {
  it("is posted once per week however many bots check, and not outside its slot", async () => {
    const clock = { now: Date.parse("2026-11-30T08:59:00Z") }; // a Monday, a minute early
    const bots = [bot(clock), bot(clock), bot(clock)];
    const tickAll = () => Promise.all(bots.map((b) => b.weekly.tick()));
    const posted = () => bots.flatMap((b) => b.posts);

    expect(await tickAll()).toEqual([false, false, false]);
    clock.now = Date.parse("2026-11-30T09:00:30Z");
    const first = await tickAll();
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(posted()).toHaveLength(1);
    expect(posted()[0]).toContain("Delivery report for every project, last 7 days");
    // Later the same day and the next morning: that week's report is out already.
    for (const iso of ["2026-11-30T15:00:00Z", "2026-12-01T08:00:00Z", "2026-12-03T09:00:00Z"]) {
      clock.now = Date.parse(iso);
      expect(await tickAll()).toEqual([false, false, false]);
    }
    clock.now = Date.parse("2026-12-07T09:01:00Z");
    expect((await tickAll()).filter(Boolean)).toHaveLength(1);
    expect(posted()).toHaveLength(2);
  });
});
