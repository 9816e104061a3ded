import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** RFC 6455 §1.3: the server proves it read the handshake by hashing the key with this GUID. */
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP = { continuation: 0x0, text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/**
 * The server end of one WebSocket (RFC 6455), enough for Slack's Socket Mode: text frames both
 * ways, fragmented client messages, ping → pong, the close handshake, and an abrupt drop. The
 * client end is the real one in @slack/socket-mode (undici's WebSocket).
 */
export class WebSocketPeer {
  onText: (text: string) => void = () => {};
  onClose: () => void = () => {};
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  private constructor(private readonly socket: Duplex) {
    socket.on("data", (chunk: Buffer) => this.read(chunk));
    socket.on("close", () => this.finish());
    socket.on("error", () => this.finish());
  }

  /** Completes the opening handshake of an HTTP upgrade request, or refuses it with 400. */
  static accept(req: IncomingMessage, socket: Duplex, head: Buffer): WebSocketPeer | undefined {
    const key = req.headers["sec-websocket-key"];
    if (typeof key !== "string" || req.headers.upgrade?.toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return undefined;
    }
    const accept = createHash("sha1").update(`${key}${HANDSHAKE_GUID}`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const peer = new WebSocketPeer(socket);
    if (head.length > 0) peer.read(head);
    return peer;
  }

  get open(): boolean {
    return !this.closed;
  }

  sendText(text: string): void {
    this.frame(OP.text, Buffer.from(text, "utf8"));
  }

  /** Starts the close handshake (status 1000); the client answers and the TCP connection ends. */
  close(): void {
    this.frame(OP.close, Buffer.from([0x03, 0xe8]));
  }

  /** Cuts the TCP connection with no close frame, as a network failure or a crashed server does. */
  drop(): void {
    this.finish();
    this.socket.destroy();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.closed) return;
    const length = payload.length;
    // Server frames are never masked (§5.1); the length takes 7, 7+16 or 7+64 bits (§5.2).
    let header: Buffer;
    if (length < 126) header = Buffer.from([0x80 | opcode, length]);
    else if (length < 65_536) {
      header = Buffer.alloc(4);
      header.writeUInt16BE(length, 2);
      header[1] = 126;
    } else {
      header = Buffer.alloc(10);
      header.writeBigUInt64BE(BigInt(length), 2);
      header[1] = 127;
    }
    header[0] = 0x80 | opcode;
    this.socket.write(Buffer.concat([header, payload]));
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const b0 = this.buffer[0] as number;
      const b1 = this.buffer[1] as number;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const start = offset + (masked ? 4 : 0);
      if (this.buffer.length < start + length) return;
      const payload = Buffer.from(this.buffer.subarray(start, start + length));
      if (masked)
        for (let i = 0; i < payload.length; i++) payload[i] ^= this.buffer[offset + (i % 4)] as number;
      this.buffer = this.buffer.subarray(start + length);
      this.handle((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OP.ping) {
      this.frame(OP.pong, payload);
      return;
    }
    if (opcode === OP.pong) return;
    if (opcode === OP.close) {
      // Echo the status code to complete the handshake, then end the TCP connection (§5.5.1).
      this.frame(OP.close, payload.subarray(0, 2));
      this.finish();
      this.socket.end();
      return;
    }
    if (opcode !== OP.text && opcode !== OP.continuation) return;
    this.fragments.push(payload);
    if (!fin) return;
    const text = Buffer.concat(this.fragments).toString("utf8");
    this.fragments = [];
    this.onText(text);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
