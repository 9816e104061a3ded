import { describe, expect, it } from "vitest";
import type { FleetReader, HostSnapshot } from "../../src/docker/snapshot.js";
import { sharedFleetReader } from "../../src/queue/shared-reads.js";

/** A reader that answers when told to, recording every call it got. */
function slowReader() {
  const calls: string[][] = [];
  const pending: Array<() => void> = [];
  let n = 0;
  const read: FleetReader = (hosts) => {
    calls.push([...hosts]);
    const batch = ++n;
    return new Promise((resolve) =>
      pending.push(() =>
        resolve(hosts.map((host) => ({ host, reachable: false, reason: `read ${batch}` }) as HostSnapshot)),
      ),
    );
  };
  return {
    read,
    calls,
    answerAll: () => {
      for (const answer of pending.splice(0)) answer();
    },
  };
}

const reasons = (snaps: HostSnapshot[]) => snaps.map((s) => `${s.host}:${s.reachable ? "" : s.reason}`);

describe("sharedFleetReader", () => {
  it("joins a read under way with the same options, reads the hosts it lacks, and keeps nothing after", async () => {
    const r = slowReader();
    const read = sharedFleetReader(r.read);
    const opts = { timeoutMs: 1_000, inspect: true };
    const first = read(["a", "b"], opts);
    const second = read(["a", "b", "c"], opts);
    const other = read(["a"], { ...opts, project: "web" });
    expect(r.calls).toEqual([["a", "b"], ["c"], ["a"]]);
    r.answerAll();
    expect(reasons(await first)).toEqual(["a:read 1", "b:read 1"]);
    expect(reasons(await second)).toEqual(["a:read 1", "b:read 1", "c:read 2"]);
    expect(reasons(await other)).toEqual(["a:read 3"]);
    // Once answered, the next command reads afresh.
    const later = read(["a"], opts);
    expect(r.calls).toHaveLength(4);
    r.answerAll();
    expect(reasons(await later)).toEqual(["a:read 4"]);
  });

  it("passes a failed read to everyone who joined it, and the next command reads again", async () => {
    const calls: number[] = [];
    const read = sharedFleetReader(async (hosts) => {
      calls.push(hosts.length);
      if (calls.length === 1) throw new Error("worker gone");
      return hosts.map((host) => ({ host, reachable: false, reason: "ok" }) as HostSnapshot);
    });
    const [a, b] = await Promise.allSettled([read(["a"], { timeoutMs: 1 }), read(["a"], { timeoutMs: 1 })]);
    expect([a.status, b.status]).toEqual(["rejected", "rejected"]);
    expect(reasons(await read(["a"], { timeoutMs: 1 }))).toEqual(["a:ok"]);
    expect(calls).toEqual([1, 1]);
  });
});
