import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { type PushEvent, pushEvents } from "../registry/events.js";
import type { RouteHandler } from "./routes.js";

export const REGISTRY_EVENTS_PATH = "/registry/events";

/** A registry posts one event per envelope by default; a thousand is far more than any sends. */
const MAX_BODY_BYTES = 1024 * 1024;

/** What the route hands the pushes to: the bot's core once it is up, undefined before. */
export type PushReceiver = (pushes: PushEvent[]) => Promise<{ announced: number }>;

export type RegistryEventsOptions = {
  /** DOCKOPS_REGISTRY_EVENTS_TOKEN; unset, the route refuses everything. */
  token?: string;
  receiver: () => PushReceiver | undefined;
  log: Logger;
};

/**
 * Whether `header` is `Bearer <token>`, compared in constant time (hashes of equal length), so
 * the answer time says nothing about how much of a guess was right.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? "")?.[1] ?? "";
  const hash = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(hash(given), hash(token)) && given.length > 0;
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, {
    "content-type": "application/json",
    ...(status === 401 ? { "www-authenticate": 'Bearer realm="dockops"' } : {}),
  });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * POST /registry/events: the transport of registry notifications. It checks the token, reads
 * and parses the envelope and hands the tagged pushes to the core; 2xx tells the registry the
 * events are handled, anything else makes it retry them.
 */
export function registryEventsHandler(opts: RegistryEventsOptions): RouteHandler {
  const { token, log } = opts;
  return (req, res) => {
    const from = req.socket.remoteAddress;
    if (!token) {
      req.resume();
      return answer(res, 404, {
        ok: false,
        error: "registry notifications are off on this bot; set DOCKOPS_REGISTRY_EVENTS_TOKEN",
      });
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      req.resume();
      log.warn({ from }, "registry notification refused: missing or wrong token");
      return answer(res, 401, { ok: false, error: "missing or wrong bearer token" });
    }
    void (async () => {
      const text = await readBody(req);
      if (text === undefined) return answer(res, 413, { ok: false, error: "body too large" });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return answer(res, 400, { ok: false, error: "the body is not JSON" });
      }
      const parsed = pushEvents(body);
      if (!parsed.ok) return answer(res, 400, { ok: false, error: parsed.message });
      const receive = opts.receiver();
      if (!receive) return answer(res, 503, { ok: false, error: "the bot is starting; retry" });
      const { announced } = await receive(parsed.plan);
      answer(res, 200, { ok: true, pushes: parsed.plan.length, announced });
    })().catch((err) => {
      log.error(
        { from, err: errorMessage(err) },
        "registry notification not handled; the registry will retry",
      );
      if (!res.headersSent) answer(res, 500, { ok: false, error: "not handled; retry later" });
    });
  };
}
