import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketPeer } from "./websocket-peer.js";

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

/**
 * How a delivery goes wrong, to test what the app does about it. `lose-ack`: the app's ack is
 * lost on the way and the connection drops with it, so Slack delivers the envelope again.
 */
export type DeliveryFault = "lose-ack";

type Pending = {
  envelope: Record<string, unknown>;
  fault?: DeliveryFault;
  attempts: number;
  resolve: (ack: Record<string, unknown>) => void;
};

/**
 * The Socket Mode side of the Slack stand-in, as Slack documents it: `apps.connections.open`
 * hands out a one-use `wss` URL; on connect Slack says `hello`; every payload comes in an
 * envelope (`slash_commands`, `interactive`, `events_api`) that the app acks by `envelope_id`,
 * with a response payload where `accepts_response_payload` is true; Slack asks the app to
 * reconnect with `disconnect` (`refresh_requested`); an envelope never acked is delivered again
 * (with `retry_attempt`/`retry_reason` on events) once the app is connected again.
 */
export class SocketModeLink {
  /** Every message the app sent on any socket (acks), in order. */
  readonly received: Array<Record<string, unknown>> = [];
  /** How many connections reached `hello`. */
  hellos = 0;
  private readonly tickets = new Set<string>();
  private readonly peers: WebSocketPeer[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly waiting: Array<() => void> = [];

  /** The `url` of an `apps.connections.open` answer. */
  openUrl(httpBase: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${httpBase.replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=A1`;
  }

  /** Handles the HTTP upgrade of a connection to an `openUrl` (each ticket works once). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(req.url ?? "", "http://x").searchParams.get("ticket") ?? "";
    if (!this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    const peer = WebSocketPeer.accept(req, socket, head);
    if (!peer) return;
    this.peers.push(peer);
    peer.onText = (text) => this.onAck(peer, text);
    peer.onClose = () => {
      const at = this.peers.indexOf(peer);
      if (at !== -1) this.peers.splice(at, 1);
    };
    this.hellos += 1;
    peer.sendText(
      JSON.stringify({
        type: "hello",
        num_connections: this.peers.length,
        debug_info: { host: "applink-standin", build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: "A1" },
      }),
    );
    // What was never acked (or came while the app was away) goes to the new connection.
    for (const p of this.pending.values()) this.send(p);
    for (const wake of this.waiting.splice(0)) wake();
  }

  get connected(): boolean {
    return this.peers.some((p) => p.open);
  }

  /** Resolves once an app is connected (after `count` hellos in all, if given). */
  async connectedAgain(count = this.hellos, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.connected && this.hellos >= count)) {
      if (Date.now() > deadline) throw new Error(`no Socket Mode connection within ${timeoutMs}ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a payload in an envelope; resolves with the app's ack payload (`{}` for a bare ack). */
  deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    fault?: DeliveryFault,
  ): Promise<Record<string, unknown>> {
    const envelope: Record<string, unknown> = {
      envelope_id: randomUUID(),
      payload,
      type,
      // Slack takes a response in the ack of a command or a modal submission, not of a button or event.
      accepts_response_payload: type === "slash_commands" || payload.type === "view_submission",
      ...(type === "events_api" ? { retry_attempt: 0, retry_reason: "" } : {}),
    };
    return new Promise((resolve) => {
      const pending: Pending = { envelope, fault, attempts: 0, resolve };
      this.pending.set(String(envelope.envelope_id), pending);
      this.send(pending);
    });
  }

  /** Asks the app to reconnect, as Slack does before it recycles a connection. */
  refresh(): void {
    for (const peer of this.peers)
      peer.sendText(
        JSON.stringify({
          type: "disconnect",
          reason: "refresh_requested",
          debug_info: { host: "applink-standin" },
        }),
      );
  }

  /** Cuts every connection without a close frame (a network failure). */
  drop(): void {
    for (const peer of [...this.peers]) peer.drop();
  }

  close(): void {
    for (const peer of [...this.peers]) peer.drop();
  }

  private send(p: Pending): void {
    const peer = this.peers.find((x) => x.open);
    if (!peer) return;
    p.attempts += 1;
    const retry =
      p.envelope.type === "events_api" && p.attempts > 1
        ? { retry_attempt: p.attempts - 1, retry_reason: "timeout" }
        : {};
    peer.sendText(JSON.stringify({ ...p.envelope, ...retry }));
  }

  private onAck(peer: WebSocketPeer, text: string): void {
    const message = JSON.parse(text) as { envelope_id?: string; payload?: Record<string, unknown> };
    this.received.push(message);
    const p = this.pending.get(message.envelope_id ?? "");
    if (!p) return;
    if (p.fault === "lose-ack" && p.attempts === 1) {
      // The ack never arrives: the connection dies with it, and the envelope is still owed.
      peer.drop();
      return;
    }
    this.pending.delete(message.envelope_id ?? "");
    p.resolve(message.payload ?? {});
  }
}
