import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { agentAcl, agentUser } from "../../src/agent/acl.js";
import { type Frame, parseFrame, sendFrame } from "../../src/agent/frames.js";
import { agentKeys } from "../../src/agent/keys.js";
import { agentDownReason, lastSeen } from "../../src/agent/liveness.js";
import { agentTunnelKey, parseAgentKey, TunnelSeal } from "../../src/agent/tunnel-seal.js";

describe("an agent's Redis user", () => {
  it("may touch only its own host's keys, no channel, and only the commands the agent sends", () => {
    const line = agentAcl("dockops", "serverA", "s3cret");
    expect(line).toBe(
      "ACL SETUSER dockops-agent-serverA reset on >s3cret ~dockops:agent:serverA:* resetchannels -@all +xadd +xread +xtrim +set +get +del +pttl +ping +info +hello +auth +select +client|setname +client|getname +quit",
    );
    expect(agentUser("blue", "serverA")).toBe("blue-agent-serverA");
    // Every key the agent and its relays use falls under that one pattern.
    const keys = agentKeys("dockops", "serverA");
    for (const key of [keys.alive, keys.info, keys.down, keys.up("r1")]) {
      expect(key.startsWith("dockops:agent:serverA:")).toBe(true);
    }
  });
});

describe("frames between relays and agents", () => {
  const master = Buffer.alloc(32, 7);
  const seal = new TunnelSeal(agentTunnelKey(master, "serverA"));
  const stream = "p:agent:serverA:down";
  const entry = (frame: Frame, on = stream, by = seal, seq = 0): Buffer[] => {
    const sent: Buffer[] = [];
    const fake = {
      xadd: (...args: Array<string | Buffer>) => {
        sent.push(...args.slice(5).map((a) => (Buffer.isBuffer(a) ? a : Buffer.from(a))));
        return Promise.resolve("1-0");
      },
    } as unknown as Redis;
    void sendFrame(fake, on, frame, by, seq);
    return sent;
  };

  it("read back what was sent, bytes unchanged", () => {
    const bytes = Buffer.from([0, 255, 10, 13]);
    const frames: Frame[] = [
      { kind: "open", tunnel: "a1", reply: "p:agent:serverA:up:x", at: 1_700_000_000_000 },
      { kind: "data", tunnel: "a1", data: bytes },
      { kind: "end", tunnel: "a1" },
      { kind: "error", tunnel: "a1", message: "docker on serverA: ECONNREFUSED" },
    ];
    frames.forEach((frame, seq) => {
      expect(parseFrame(stream, entry(frame, stream, seal, seq), seal)).toEqual({ frame, seq });
    });
  });

  it("carry only ciphertext: a container's environment never reaches Redis readable", () => {
    const body = Buffer.from('{"Env":["DATABASE_PASSWORD=hunter2-secret"]}');
    const fields = entry({ kind: "data", tunnel: "a1", data: body });
    expect(Buffer.concat(fields).includes("hunter2-secret")).toBe(false);
  });

  it("drop what another key sealed, what was moved to another stream, and what is unknown", () => {
    const frame: Frame = { kind: "data", tunnel: "a1", data: Buffer.from("GET /containers/json") };
    const otherHost = new TunnelSeal(agentTunnelKey(master, "serverB"));
    expect(parseFrame(stream, entry(frame, stream, otherHost), seal)).toBeUndefined();
    expect(parseFrame("p:agent:serverA:up:x", entry(frame), seal)).toBeUndefined();
    const retagged = entry(frame).map((f) => (f.toString() === "a1" ? Buffer.from("a2") : f));
    expect(parseFrame(stream, retagged, seal)).toBeUndefined();
    // Its number is sealed in: a frame cannot be renumbered to pass as a later one.
    const renumbered = entry(frame, stream, seal, 3).map((f) =>
      f.toString() === "3" ? Buffer.from("4") : f,
    );
    expect(parseFrame(stream, renumbered, seal)).toBeUndefined();
    expect(
      parseFrame(stream, [Buffer.from("t"), Buffer.from("a1"), Buffer.from("k"), Buffer.from("data")], seal),
    ).toBeUndefined();
  });

  it("keys each host apart, and none reveals the master key", () => {
    expect(agentTunnelKey(master, "serverA").equals(agentTunnelKey(master, "serverB"))).toBe(false);
    expect(agentTunnelKey(master, "serverA").equals(master)).toBe(false);
    expect(parseAgentKey("ab".repeat(32))?.length).toBe(32);
    expect(parseAgentKey("xyz")).toBeUndefined();
  });
});

describe("an agent that is down", () => {
  it("is named with when it was last seen and what to run", () => {
    const state = {
      host: "serverG",
      alive: false,
      info: { version: "0.1.0", instance: "i", startedAt: 0, seenAt: 1_000 },
    };
    expect(lastSeen(state, 181_000)).toBe("last seen 3 min ago (v0.1.0)");
    expect(agentDownReason(state)).toMatch(
      /^waiting for agent on serverG: it is not running \(last seen .*\); start it on that server with npm run agent -- --host serverG$/,
    );
    expect(agentDownReason({ ...state, alive: true })).toBeUndefined();
    expect(lastSeen({ host: "x", alive: false })).toBe("never seen");
  });
});
