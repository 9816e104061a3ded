import { describe, expect, it } from "vitest";
import { agentAcl, agentUser } from "../../src/agent/acl.js";
import { parseFrame } from "../../src/agent/frames.js";
import { agentKeys } from "../../src/agent/keys.js";
import { agentDownReason, lastSeen } from "../../src/agent/liveness.js";

const fields = (...pairs: string[]) => pairs.map((p) => Buffer.from(p));

describe("an agent's Redis user", () => {
  it("may touch only its own host's keys, no channel, and only the commands the agent sends", () => {
    const line = agentAcl("dockops", "serverA", "s3cret");
    expect(line).toBe(
      "ACL SETUSER dockops-agent-serverA reset on >s3cret ~dockops:agent:serverA:* resetchannels -@all +xadd +xread +xtrim +set +get +del +ping +info +hello +auth +select +client|setname +client|getname +quit",
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
  it("read back what was sent, bytes unchanged, and skip what this version does not know", () => {
    expect(parseFrame(fields("t", "a1", "k", "open", "r", "p:agent:h:up:x"))).toEqual({
      kind: "open",
      tunnel: "a1",
      reply: "p:agent:h:up:x",
    });
    const bytes = Buffer.from([0, 255, 10, 13]);
    expect(parseFrame([...fields("t", "a1", "k", "data", "d"), bytes])).toEqual({
      kind: "data",
      tunnel: "a1",
      data: bytes,
    });
    expect(parseFrame(fields("t", "a1", "k", "end"))).toEqual({ kind: "end", tunnel: "a1" });
    expect(parseFrame(fields("t", "a1", "k", "resize"))).toBeUndefined();
    expect(parseFrame(fields("k", "open", "r", "x"))).toBeUndefined();
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
