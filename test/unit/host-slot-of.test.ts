import { describe, expect, it } from "vitest";
import { slotOf } from "../../src/queue/host-gate.js";

describe("which host slot a job takes", () => {
  it("reads and changes of a host are counted apart; a job of no one host takes none", () => {
    expect(slotOf({ name: "host-read", data: { host: "serverA" } })).toEqual({
      host: "serverA",
      kind: "read",
    });
    expect(slotOf({ name: "tail-logs", data: { host: "serverA" } })).toEqual({
      host: "serverA",
      kind: "read",
    });
    for (const name of ["deploy", "lifecycle", "build", "prune", "exec", "proxy", "maintenance"]) {
      expect(slotOf({ name, data: { host: "serverB" } })).toEqual({ host: "serverB", kind: "change" });
    }
    expect(slotOf({ name: "deploy", data: {} })).toBeUndefined();
    expect(slotOf({ name: "deploy", data: { host: 3 } })).toBeUndefined();
    expect(slotOf({ name: "deploy", data: undefined })).toBeUndefined();
  });
});
