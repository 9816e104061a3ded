import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SocketModeLink } from "./socket-mode-link.js";

export type ApiCall = { method: string; args: Record<string, unknown>; at: number };
export type ResponseUrlCall = { id: string; body: Record<string, unknown>; at: number };
/** The bytes of a file a client POSTed to an upload_url from files.getUploadURLExternal. */
export type Upload = { fileId: string; body: string; bytes: Buffer; at: number };

/**
 * A stand-in for Slack's Web API, response_urls and Socket Mode — the one part of the system
 * that cannot be real offline. It records every call so tests can read what the bot "said".
 */
export class SlackStandIn {
  readonly calls: ApiCall[] = [];
  readonly responses: ResponseUrlCall[] = [];
  /** Slack user groups (S…) and their members, answered by `usergroups.users.list`. */
  readonly userGroups: Record<string, string[]> = {};
  readonly uploads: Upload[] = [];
  /** Socket Mode: connections opened with `apps.connections.open` and the envelopes sent on them. */
  readonly socketMode = new SocketModeLink();
  private files = 0;
  private server?: Server;
  private address = "127.0.0.1";
  private ts = 1_700_000_000;
  private waiters: Array<() => void> = [];
  private faults: Array<{ method: string; remaining: number; reply: "rate_limited" | string }> = [];

  /**
   * Makes the next `count` calls of `method` fail: "rate_limited" answers HTTP 429 with
   * Retry-After: 1 (Slack's way); "http_500" answers HTTP 500 (Slack having a bad moment); any
   * other string answers `{ ok: false, error }`.
   */
  failNext(method: string, count: number, reply: "rate_limited" | string): void {
    this.faults.push({ method, remaining: count, reply });
  }

  /** Ends every fault `failNext` set up (Slack is well again). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** `address`: where it listens, e.g. the fleet bridge so that containers can reach it. */
  async start(address = "127.0.0.1"): Promise<void> {
    this.address = address;
    this.server = createServer((req, res) => {
      const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0] ?? "";
      const fault = this.faults.find((f) => f.method === method && f.remaining > 0);
      if (fault) {
        fault.remaining -= 1;
        void readBody(req).then((raw) => {
          this.calls.push({
            method: `${method}#failed`,
            args: parseArgs(raw.toString("utf8"), req.headers["content-type"] ?? ""),
            at: Date.now(),
          });
          if (fault.reply === "rate_limited") {
            res.writeHead(429, { "content-type": "application/json", "retry-after": "1" });
            res.end(JSON.stringify({ ok: false, error: "ratelimited" }));
          } else if (fault.reply === "http_500") {
            res.writeHead(500, { "content-type": "text/plain" });
            res.end("internal server error");
          } else {
            res.writeHead(200, { "content-type": "application/json" });
            res.end(JSON.stringify({ ok: false, error: fault.reply }));
          }
        });
        return;
      }
      void this.handle(req).then((body) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
    });
    this.server.on("upgrade", (req, socket, head: Buffer) => {
      if ((req.url ?? "").startsWith("/link/")) this.socketMode.upgrade(req, socket, head);
      else socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    });
    await new Promise<void>((resolve) => this.server?.listen(0, address, resolve));
  }

  get url(): string {
    if (!this.server) throw new Error("the Slack stand-in is not started");
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.address}:${port}`;
  }

  /** Base URL for SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/response/${id}`;
  }

  async stop(): Promise<void> {
    this.socketMode.close();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Every text the bot produced (posts, updates, ephemerals, response_url replies, uploaded files). */
  allText(): string[] {
    return [
      ...this.calls.map((c) => JSON.stringify(c.args)),
      ...this.responses.map((r) => JSON.stringify(r.body)),
      ...this.uploads.map((u) => u.body),
    ];
  }

  /** Resolves when `predicate` holds, re-checked after every call; rejects after `timeoutMs`. */
  async waitFor<T>(
    predicate: () => T | undefined | false,
    timeoutMs = 60_000,
    what = "condition",
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The latest text of the message posted as `ts` (its post or its last update). */
  messageText(ts: string): string | undefined {
    const hits = this.calls.filter(
      (c) => (c.method === "chat.postMessage" || c.method === "chat.update") && this.tsOf(c) === ts,
    );
    const last = hits[hits.length - 1];
    return last ? blocksText(last.args) : undefined;
  }

  private tsOf(call: ApiCall): string | undefined {
    return call.method === "chat.update" ? String(call.args.ts) : (call.args.__ts as string | undefined);
  }

  private async handle(req: IncomingMessage): Promise<Record<string, unknown>> {
    const bytes = await readBody(req);
    const raw = bytes.toString("utf8");
    const args = parseArgs(raw, req.headers["content-type"] ?? "");
    const url = req.url ?? "";
    const at = Date.now();
    let reply: Record<string, unknown> = { ok: true };
    if (url.startsWith("/upload/")) {
      this.uploads.push({ fileId: url.slice("/upload/".length), body: raw, bytes, at });
      reply = { ok: true };
    } else if (url.startsWith("/response/")) {
      this.responses.push({ id: url.slice("/response/".length), body: args, at });
    } else {
      const method = url.replace(/^\/api\//, "").split("?")[0] ?? "";
      if (method === "apps.connections.open") {
        // Slack takes only an app-level token here, and only in the Authorization header.
        const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
        reply = token.startsWith("xapp-")
          ? { ok: true, url: this.socketMode.openUrl(this.url) }
          : { ok: false, error: "not_allowed_token_type" };
      }
      if (method === "auth.test")
        reply = { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "dockops" };
      if (method === "chat.postMessage") {
        const ts = `${this.ts++}.000100`;
        args.__ts = ts;
        reply = { ok: true, channel: args.channel, ts };
      }
      if (method === "chat.update") reply = { ok: true, channel: args.channel, ts: args.ts };
      if (method === "usergroups.users.list") {
        const members = this.userGroups[String(args.usergroup)];
        reply = members ? { ok: true, users: members } : { ok: false, error: "no_such_subteam" };
      }
      if (method === "files.getUploadURLExternal") {
        const fileId = `F${++this.files}`;
        reply = { ok: true, file_id: fileId, upload_url: `${this.url}/upload/${fileId}` };
      }
      if (method === "files.completeUploadExternal") reply = { ok: true, files: args.files };
      if (method === "chat.postEphemeral") reply = { ok: true, message_ts: `${this.ts++}.000200` };
      if (method === "views.open" || method === "views.publish" || method === "views.update")
        reply = { ok: true, view: { id: `V${this.ts++}`, ...(args.view as object) } };
      this.calls.push({ method, args, at });
    }
    for (const wake of this.waiters.splice(0)) wake();
    return reply;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("json")) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return args;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** The text a user sees: every mrkdwn section of the blocks, or the fallback text. */
export function blocksText(args: Record<string, unknown>): string {
  const blocks = args.blocks as Array<{ text?: { text?: string } }> | undefined;
  if (Array.isArray(blocks) && blocks.length > 0) {
    return blocks
      .map((b) => b.text?.text ?? "")
      .filter(Boolean)
      .join("");
  }
  return String(args.text ?? "");
}
