import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApprovalRequest, ApprovalStore } from "../../src/approvals/store.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

let redis: Redis;
let store: ApprovalStore;
const prefix = uniqueName("q");

beforeAll(() => {
  redis = new Redis(need(readFleetEnv(), "REDIS_URL"));
  store = new ApprovalStore(redis, prefix);
});
afterAll(async () => {
  await redis?.quit();
});

async function pending(expiresInMs: number): Promise<ApprovalRequest> {
  const now = Date.now();
  const request: ApprovalRequest = {
    id: ApprovalStore.newId(),
    plan: { kind: "help", text: "" },
    requestedBy: "UDEV",
    channel: "CPROD",
    env: "prod",
    createdAt: now,
    expiresAt: now + expiresInMs,
    pinned: {},
    shown: { title: "t", lines: [] },
  };
  await store.create(request);
  return request;
}

describe("approval decisions in Redis", () => {
  it("50 decisions racing on separate connections: exactly one wins, and it sticks", async () => {
    const { id } = await pending(60_000);
    const clients = Array.from({ length: 10 }, () => new Redis(need(readFleetEnv(), "REDIS_URL")));
    const stores = clients.map((c) => new ApprovalStore(c, prefix));
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (stores[i % stores.length] as ApprovalStore).decide(
            id,
            i % 3 === 0 ? "rejected" : "approved",
            `U${i}`,
          ),
        ),
      );
      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      const status = await store.status(id);
      expect(status?.state).toBe(winners[0]?.state);
      expect(results.every((r) => r.state === status?.state)).toBe(true);
      expect(await store.due(Date.now() + 120_000)).not.toContain(id);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  it("a decision after expiry becomes expired; expiry before its time changes nothing", async () => {
    const late = await pending(-1);
    expect(await store.decide(late.id, "approved", "ULEAD")).toEqual({ state: "expired", won: true });
    expect(await store.decide(late.id, "approved", "UOPS")).toEqual({ state: "expired", won: false });

    const early = await pending(60_000);
    expect(await store.decide(early.id, "expired", "")).toEqual({ state: "pending", won: false });
    expect(await store.due()).not.toContain(early.id);
    expect(await store.due(early.expiresAt)).toContain(early.id);
  });

  it("an unknown or malformed id is not a request", async () => {
    expect(await store.get("../../etc")).toBeUndefined();
    expect(await store.decide("0123456789abcdef", "approved", "U1")).toEqual({
      state: "missing",
      won: false,
    });
  });
});
