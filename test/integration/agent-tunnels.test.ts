import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAgent, startAgent } from "../../src/agent/agent.js";
import { sendFrame } from "../../src/agent/frames.js";
import { agentKeys } from "../../src/agent/keys.js";
import { AgentRelays } from "../../src/agent/relay.js";
import { agentTunnelKey, TunnelSeal } from "../../src/agent/tunnel-seal.js";
import { createLogger } from "../../src/log.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { uniqueName } from "../support/names.js";

const fleetEnv = readFleetEnv();
const url = need(fleetEnv, "REDIS_URL");
const socket = need(fleetEnv, "HOST_G_SOCK").slice("unix://".length);
const prefix = uniqueName("q");
const host = "serverG";
const master = randomBytes(32);
const log = createLogger("warn");
const connections: Redis[] = [];
const redis = () => {
  const r = new Redis(url, { maxRetriesPerRequest: null });
  connections.push(r);
  return r;
};
let agent: RunningAgent;
const seal = new TunnelSeal(agentTunnelKey(master, host));
const request = Buffer.from("GET /events HTTP/1.1\r\nHost: docker\r\n\r\n");
let writer: Redis;
let relays: AgentRelays;

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  agent = await startAgent({
    redis: redis(),
    reader: redis(),
    prefix,
    host,
    dockerSocket: socket,
    version: "test",
    key: agentTunnelKey(master, host),
    log,
    sweepMs: 300,
  });
  writer = redis();
  relays = new AgentRelays({ redis: redis(), reader: redis(), prefix, hosts: [host], master, log });
  await relays.start();
});
afterAll(async () => {
  await relays?.close();
  await agent?.close();
  for (const r of connections) r.disconnect();
});

describe("tunnels through an agent", () => {
  it("carry plain calls and long-lived streams (the monitor's event feed) to the host's Docker", async () => {
    const docker = new Docker({ socketPath: relays.socketPath(host) });
    expect(await docker.ping()).toBeTruthy();
    expect((await docker.version()).ApiVersion).toMatch(/^1\.\d+$/);
    const events = (await docker.getEvents({ filters: { type: ["container"] } })) as NodeJS.ReadableStream & {
      destroy: () => void;
    };
    expect(agent.tunnels()).toBeGreaterThanOrEqual(1);
    // The relay keeps an expiry on its reply stream while it runs.
    const stream = agentKeys(prefix, host).up(relays.id);
    await until("the relay's expiry on its stream", async () => (await redis().pttl(stream)) > 0);
    events.destroy();
  });

  it("are closed by the agent when the relay that opened them is gone (a worker that died)", async () => {
    // A relay that dies sends no "end": its tunnels would keep Docker connections open forever.
    const keys = agentKeys(prefix, host);
    const before = agent.tunnels();
    const dead = keys.up("deadrelay");
    await sendFrame(
      writer,
      keys.down,
      { kind: "open", tunnel: "t-dead", reply: dead, at: Date.now() },
      seal,
      0,
    );
    await sendFrame(writer, keys.down, { kind: "data", tunnel: "t-dead", data: request }, seal, 1);
    await until("the tunnel to open", () => agent.tunnels() > before);
    await until("the dead relay's tunnel to close", () => agent.tunnels() === before);
  });

  it("ignore frames not sealed with the host's key, stale or repeated opens, and frames out of turn", async () => {
    const keys = agentKeys(prefix, host);
    const before = agent.tunnels();
    // Replies go to the live relay's stream (it ignores tunnels it did not open).
    const reply = keys.up(relays.id);
    const forged = new TunnelSeal(randomBytes(32));
    await sendFrame(
      writer,
      keys.down,
      { kind: "open", tunnel: "t-forged", reply, at: Date.now() },
      forged,
      0,
    );
    // Sealed with the right key but old: a recorded open added again.
    const old = Date.now() - 10 * 60_000;
    await sendFrame(writer, keys.down, { kind: "open", tunnel: "t-old", reply, at: old }, seal, 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(agent.tunnels()).toBe(before);

    // A fresh tunnel: opened once; the same open again opens nothing more.
    const open = { kind: "open", tunnel: "t-live", reply, at: Date.now() } as const;
    await sendFrame(writer, keys.down, open, seal, 0);
    await until("the tunnel to open", () => agent.tunnels() === before + 1);
    await sendFrame(writer, keys.down, open, seal, 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(agent.tunnels()).toBe(before + 1);
    // A frame out of turn (number 5 where 1 is due) ends the tunnel rather than reach Docker.
    await sendFrame(writer, keys.down, { kind: "data", tunnel: "t-live", data: request }, seal, 5);
    await until("the tunnel to end", () => agent.tunnels() === before);
  });
});
