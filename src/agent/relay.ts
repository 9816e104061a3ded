import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { type Frame, type Received, readFrames, sendFrame } from "./frames.js";
import { agentKeys } from "./keys.js";
import { agentDownReason, agentStates, HEARTBEAT_MS } from "./liveness.js";
import { agentTunnelKey, TunnelSeal } from "./tunnel-seal.js";

export type RelayOptions = {
  /** Writes: frames, trims and liveness reads. */
  redis: Redis;
  /** A connection of its own for the blocking reads. */
  reader: Redis;
  prefix: string;
  /** The hosts declared `agent: true`. */
  hosts: string[];
  /** CONFIG_ENCRYPTION_KEY: each host's tunnel key is derived from it. */
  master: Buffer;
  log: Logger;
  /** How long a tunnel waits for the agent's first answer before giving up (default 10 s). */
  answerMs?: number;
};

const RELAY_TTL_MS = 60_000;

/** `sent`/`got`: the numbers of the next frame each way (frames.ts). */
type Tunnel = {
  host: string;
  socket: Socket;
  heard: boolean;
  sent: number;
  got: number;
  timer?: NodeJS.Timeout;
};

/**
 * The worker's or monitor's end of the agents: one local unix socket per agent host that speaks
 * for its Docker daemon. dockerode connects to it as to any socket; each connection becomes a
 * tunnel through Redis to the agent, which passes its bytes to the real socket on its server.
 */
export class AgentRelays {
  /** Names this process's reply streams. */
  readonly id = randomBytes(6).toString("hex");
  private readonly dir = mkdtempSync(join(tmpdir(), "dockops-agents-"));
  private readonly servers = new Map<string, Server>();
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly last = new Map<string, string>();
  /** Tunnel keys by host, and by the stream of replies from that host. */
  private readonly seals = new Map<string, TunnelSeal>();
  private stopped = false;
  private loop?: Promise<void>;
  private watch?: NodeJS.Timeout;

  constructor(private readonly opts: RelayOptions) {
    chmodSync(this.dir, 0o700);
  }

  /** The socket a Docker client for `host` connects to. */
  socketPath(host: string): string {
    return join(this.dir, `${host}.sock`);
  }

  async start(): Promise<void> {
    for (const host of this.opts.hosts) {
      const seal = new TunnelSeal(agentTunnelKey(this.opts.master, host));
      const up = agentKeys(this.opts.prefix, host).up(this.id);
      this.seals.set(host, seal);
      this.seals.set(up, seal);
      this.last.set(up, "0-0");
      const server = createServer((socket) => this.accept(host, socket));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.socketPath(host), () => resolve());
      });
      this.servers.set(host, server);
    }
    if (this.opts.hosts.length === 0) return;
    this.loop = this.readLoop();
    // An agent that dies mid-tunnel says nothing: its tunnels (an event feed, a log tail) end
    // here so their clients notice, as they would if a daemon went away.
    this.watch = setInterval(() => {
      void this.dropTunnelsOfDeadAgents();
      this.renewReplyStreams();
    }, HEARTBEAT_MS);
  }

  private accept(host: string, socket: Socket): void {
    const tunnel = randomBytes(8).toString("hex");
    const keys = agentKeys(this.opts.prefix, host);
    const entry: Tunnel = { host, socket, heard: false, sent: 0, got: 0 };
    this.tunnels.set(tunnel, entry);
    const queued: Buffer[] = [];
    // Whether the agent has been told of this tunnel.
    let opened = false;
    const refuse = (status: string, message: string) => {
      if (this.tunnels.delete(tunnel) && opened) void this.send(entry, keys.down, { kind: "end", tunnel });
      answerWithError(socket, status, message);
    };
    socket.on("data", (data: Buffer) => {
      if (!opened) queued.push(data);
      else void this.send(entry, keys.down, { kind: "data", tunnel, data });
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(entry.timer);
      if (this.tunnels.delete(tunnel) && opened) void this.send(entry, keys.down, { kind: "end", tunnel });
    });
    void (async () => {
      const [state] = await agentStates(this.opts.redis, this.opts.prefix, [host]);
      const down = state ? agentDownReason(state) : undefined;
      if (down) return refuse("503 Service Unavailable", down);
      await this.send(entry, keys.down, { kind: "open", tunnel, reply: keys.up(this.id), at: Date.now() });
      opened = true;
      // The client may have gone while the agent was told: the agent must close its end too.
      if (!this.tunnels.has(tunnel)) return void this.send(entry, keys.down, { kind: "end", tunnel });
      // Issued in order on one connection, so Docker gets the bytes as the client sent them.
      for (const data of queued.splice(0)) void this.send(entry, keys.down, { kind: "data", tunnel, data });
      entry.timer = setTimeout(() => {
        if (!entry.heard)
          refuse(
            "504 Gateway Timeout",
            `the agent on ${host} did not answer within ${Math.round((this.opts.answerMs ?? 10_000) / 1000)}s; see its log on that server`,
          );
      }, this.opts.answerMs ?? 10_000);
    })().catch((err) => refuse("503 Service Unavailable", `agent on ${host}: Redis: ${errorMessage(err)}`));
  }

  /** Numbered when called, so frames keep the order they were sent in. */
  private send(entry: Tunnel, key: string, frame: Frame): Promise<unknown> {
    const seal = this.seals.get(entry.host);
    if (!seal) return Promise.resolve();
    return sendFrame(this.opts.redis, key, frame, seal, entry.sent++).catch((err) =>
      this.opts.log.warn({ err: errorMessage(err) }, "frame for an agent not sent"),
    );
  }

  private onFrame({ frame, seq }: Received): void {
    const entry = this.tunnels.get(frame.tunnel);
    if (!entry) return;
    // Out of turn (a frame added again): the connection's bytes can no longer be trusted.
    if (seq !== entry.got++) return void entry.socket.destroy();
    entry.heard = true;
    clearTimeout(entry.timer);
    if (frame.kind === "data") entry.socket.write(frame.data);
    else if (frame.kind === "end") entry.socket.end();
    else if (frame.kind === "error") entry.socket.destroy();
  }

  private async readLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        const { frames, refused } = await readFrames(
          this.opts.reader,
          this.opts.redis,
          this.last,
          2_000,
          (s) => this.seals.get(s),
        );
        for (const received of frames) this.onFrame(received);
        if (refused > 0)
          this.opts.log.warn({ refused }, "frames that do not open with the agent's key were dropped");
      } catch (err) {
        if (this.stopped) return;
        this.opts.log.warn({ err: errorMessage(err) }, "reading the agents' streams failed; trying again");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async dropTunnelsOfDeadAgents(): Promise<void> {
    const hosts = [...new Set([...this.tunnels.values()].map((t) => t.host))];
    const states = await agentStates(this.opts.redis, this.opts.prefix, hosts).catch(() => []);
    for (const state of states) {
      if (state.alive) continue;
      for (const [id, t] of this.tunnels) {
        if (t.host !== state.host) continue;
        this.tunnels.delete(id);
        t.socket.destroy();
      }
    }
  }

  /**
   * While this relay runs its reply streams have an expiry; the agents close the tunnels of a
   * relay whose streams lost theirs (it died), and Redis drops what it left.
   */
  private renewReplyStreams(): void {
    for (const key of this.last.keys()) void this.opts.redis.pexpire(key, RELAY_TTL_MS).catch(() => 0);
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watch);
    for (const t of this.tunnels.values()) t.socket.destroy();
    this.tunnels.clear();
    await Promise.all(
      [...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    this.opts.reader.disconnect();
    await this.loop;
    await Promise.all([...this.last.keys()].map((k) => this.opts.redis.del(k).catch(() => 0)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An HTTP answer Docker clients show as the error's message (dockerode: "(HTTP code 503) …"). */
function answerWithError(socket: Socket, status: string, message: string): void {
  const body = JSON.stringify({ message });
  const head = `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  // After the request's first bytes, so the client is reading, not still writing.
  const answer = () => socket.end(head + body);
  if (socket.bytesRead > 0) answer();
  else socket.once("data", answer);
}
