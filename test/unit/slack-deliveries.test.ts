import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { ackOnce, deliveryKey, MemoryDeliveries } from "../../src/slack/deliveries.js";

const log = createLogger(
  "silent",
  new Writable({
    write(_c, _e, done) {
      done();
    },
  }),
);
const acked = async () => {};
const lost = async () => {
  throw new Error("Failed to send a message as the client has no active connection");
};

describe("a delivery runs once", () => {
  it("is keyed by the trigger of a command or interaction, or the id of an event", () => {
    expect(deliveryKey({ trigger_id: "123.456.abc", command: "/deploy" })).toBe("trigger:123.456.abc");
    expect(deliveryKey({ type: "event_callback", event_id: "Ev1" })).toBe("event:Ev1");
    expect(deliveryKey({ type: "block_suggestion" })).toBeUndefined();
  });

  it("the first acked delivery runs; the same one delivered again is acked and skipped", async () => {
    const deliveries = new MemoryDeliveries();
    const body = { trigger_id: "1.2.a" };
    expect(await ackOnce(acked, body, deliveries, log)).toBe(true);
    expect(await ackOnce(acked, body, deliveries, log)).toBe(false);
    expect(await ackOnce(acked, { trigger_id: "1.2.b" }, deliveries, log)).toBe(true);
  });

  it("one whose ack could not be sent does not run, and runs when Slack delivers it again", async () => {
    const deliveries = new MemoryDeliveries();
    const body = { trigger_id: "9.9.z" };
    expect(await ackOnce(lost, body, deliveries, log)).toBe(false);
    expect(await ackOnce(acked, body, deliveries, log)).toBe(true);
  });
});

describe("a claim store that does not answer", () => {
  it("does not hold the delivery up: it runs after a second", async () => {
    const stuck = { claim: () => new Promise<boolean>(() => {}) };
    const started = Date.now();
    expect(await ackOnce(acked, { trigger_id: "5.5.x" }, stuck, log)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("that fails runs it rather than lose it", async () => {
    const down = { claim: () => Promise.reject(new Error("Connection is closed.")) };
    expect(await ackOnce(acked, { trigger_id: "5.5.y" }, down, log)).toBe(true);
  });
});
