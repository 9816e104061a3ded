import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { type Frame, type Received, readFrames, sendFrame } from "./frames.js";
import { agentKeys } from "./keys.js";
import { type AgentInfo, HEARTBEAT_MS, LIVE_MS } from "./liveness.js";
import { TunnelSeal } from "./tunnel-seal.js";

export type AgentOptions = {
  /** Writes (frames, heartbeat); the agent's own, restricted Redis user. */
  redis: Redis;
  /** Blocking reads of the agent's stream; a second connection as the same user. */
  reader: Redis;
  prefix: string;
  host: string;
  /** The local Docker socket, e.g. /var/run/docker.sock. */
  dockerSocket: string;
  version: string;
  /** This host's tunnel key (AGENT_KEY); frames sealed with anything else are dropped. */
  key: Buffer;
  log: Logger;
  /** How often the tunnels of relays that died are looked for (default 30 s). */
  sweepMs?: number;
};

const RELAY_SWEEP_MS = 30_000;
/** How far an open's time may be from the agent's clock (keep the servers' clocks in sync). */
const OPEN_FRESH_MS = 60_000;

export type RunningAgent = {
  instance: string;
  /** Tunnels open now (connections to the Docker socket). */
  tunnels: () => number;
  close: () => Promise<void>;
};

/**
 * The agent on a managed server: it keeps a heartbeat in Redis and, for each tunnel a worker or
 * monitor opens, a connection to the local Docker socket whose bytes it passes through. It holds
 * no Slack token, no fleet file and no config key, and may touch only its own keys.
 */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const keys = agentKeys(opts.prefix, opts.host);
  const instance = randomBytes(6).toString("hex");
  const log = opts.log.child({ agent: opts.host, instance });
  const claimed = await opts.redis.set(keys.alive, instance, "PX", LIVE_MS, "NX");
  if (claimed !== "OK") {
    const holder = await opts.redis.get(keys.alive);
    throw new Error(
      `another agent for ${opts.host} is running (instance ${holder ?? "?"}); stop it first, or wait ${LIVE_MS / 1000}s if it just died`,
    );
  }
  // Frames left from before this agent started belong to tunnels that have given up on it.
  await opts.redis.xtrim(keys.down, "MAXLEN", 0);
  const startedAt = Date.now();
  const beat = async () => {
    const info: AgentInfo = { version: opts.version, instance, startedAt, seenAt: Date.now() };
    await opts.redis.set(keys.alive, instance, "PX", LIVE_MS);
    await opts.redis.set(keys.info, JSON.stringify(info));
  };
  await beat();
  const heartbeat = setInterval(() => {
    beat().catch((err) => log.warn({ err: errorMessage(err) }, "heartbeat not written"));
  }, HEARTBEAT_MS);

  const seal = new TunnelSeal(opts.key);
  type Tunnel = { socket: Socket; reply: string; sent: number; got: number };
  const tunnels = new Map<string, Tunnel>();
  // Tunnel ids opened lately: an open seen twice is a replay, not a new connection.
  const opened = new Map<string, number>();
  const send = (t: Tunnel, frame: Frame) =>
    sendFrame(opts.redis, t.reply, frame, seal, t.sent++).catch((err) =>
      log.warn({ err: errorMessage(err) }, "frame for a relay not sent"),
    );
  const open = (tunnel: string, reply: string, at: number) => {
    const now = Date.now();
    for (const [id, when] of opened) if (now - when > 2 * OPEN_FRESH_MS) opened.delete(id);
    // Replies go only to relays of this host: the ACL would refuse any other key anyway.
    if (!reply.startsWith(keys.scope) || opened.has(tunnel) || Math.abs(now - at) > OPEN_FRESH_MS) {
      log.warn({ tunnel }, "an old, repeated or misaddressed tunnel open was dropped");
      return;
    }
    opened.set(tunnel, now);
    const socket = connect(opts.dockerSocket);
    const t: Tunnel = { socket, reply, sent: 0, got: 1 };
    tunnels.set(tunnel, t);
    socket.on("data", (data) => void send(t, { kind: "data", tunnel, data }));
    socket.on("error", (err) => {
      log.warn({ err: errorMessage(err) }, "docker socket error");
      void send(t, { kind: "error", tunnel, message: `docker on ${opts.host}: ${errorMessage(err)}` });
    });
    socket.on("close", () => {
      if (tunnels.delete(tunnel)) void send(t, { kind: "end", tunnel });
    });
  };
  const onFrame = ({ frame, seq }: Received) => {
    if (frame.kind === "open") return seq === 0 ? open(frame.tunnel, frame.reply, frame.at) : undefined;
    const t = tunnels.get(frame.tunnel);
    // Out of turn (a frame added again): the tunnel's bytes can no longer be trusted.
    if (!t || seq !== t.got++) return t?.socket.destroy();
    if (frame.kind === "data") t.socket.write(frame.data);
    else t.socket.end();
  };

  // A worker or monitor that died says nothing: its reply stream loses the expiry its relay
  // renews, and the tunnels it left are closed here. A stream this agent just created has no
  // expiry until the relay's next renewal, so a relay is dead only when two looks find none.
  const suspects = new Set<string>();
  const sweep = setInterval(() => {
    const replies = [...new Set([...tunnels.values()].map((t) => t.reply))];
    for (const reply of replies) {
      void opts.redis
        .pttl(reply)
        .then((ms) => {
          if (ms > 0) return void suspects.delete(reply);
          if (!suspects.has(reply)) return void suspects.add(reply);
          suspects.delete(reply);
          for (const [id, t] of tunnels) {
            if (t.reply !== reply) continue;
            tunnels.delete(id);
            t.socket.destroy();
          }
        })
        .catch(() => {});
    }
  }, opts.sweepMs ?? RELAY_SWEEP_MS);

  let stopped = false;
  const last = new Map([[keys.down, "0-0"]]);
  const loop = (async () => {
    while (!stopped) {
      try {
        const { frames, refused } = await readFrames(opts.reader, opts.redis, last, 2_000, () => seal);
        for (const received of frames) onFrame(received);
        if (refused > 0) log.warn({ refused }, "frames that do not open with AGENT_KEY were dropped");
      } catch (err) {
        if (stopped) break;
        log.warn({ err: errorMessage(err) }, "reading the agent's stream failed; trying again");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  log.info({ socket: opts.dockerSocket }, "agent started");
  return {
    instance,
    tunnels: () => tunnels.size,
    close: async () => {
      stopped = true;
      clearInterval(heartbeat);
      clearInterval(sweep);
      for (const { socket } of tunnels.values()) socket.destroy();
      opts.reader.disconnect();
      await loop;
      // Gone at once rather than after the expiry: workers stop opening tunnels to it.
      const holder = await opts.redis.get(keys.alive).catch(() => null);
      if (holder === instance) await opts.redis.del(keys.alive).catch(() => 0);
    },
  };
}
