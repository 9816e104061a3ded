import { Worker } from "node:worker_threads";

/**
 * The bot's public HTTP port, served by a thread of its own that passes every request to the
 * Bolt app over a few kept-alive loopback connections.
 *
 * Why: Node (libuv ≥ 1.45) accepts one new connection per turn of the event loop, and Slack
 * opens connections freely. While the bot's loop is busy with the work of earlier commands
 * (Redis replies, rendering, answers), a burst of commands waits in the kernel's accept queue,
 * unacknowledged, though each takes the bot a few milliseconds once read. This thread does
 * nothing but accept and relay, so its loop turns thousands of times a second; the Bolt app
 * reads requests from connections it already holds, any number per turn.
 */
export type FrontDoor = { port: number; close: () => Promise<void> };

export type FrontDoorOptions = {
  /** The public port (0: any free one). */
  port: number;
  /** The Bolt app's own server, listening on 127.0.0.1. */
  upstreamPort: number;
  /** Each POST's time from arrival to the end of its answer, in ms: what Slack waits for. */
  onAnswered?: (ms: number) => void;
  /** The thread stopped on its own (not by `close`): the port no longer answers. */
  onLost: (reason: string) => void;
  /**
   * Slack's signing secret: with it the thread acknowledges a correctly signed slash command
   * itself, at once, and passes it on; what the app answers (a usage message) then goes to the
   * command's response_url. Without it every request waits for the app's own answer.
   */
  signingSecret?: string;
};

export async function openFrontDoor(opts: FrontDoorOptions): Promise<FrontDoor> {
  const worker = new Worker(RELAY, {
    eval: true,
    workerData: { port: opts.port, upstreamPort: opts.upstreamPort, signingSecret: opts.signingSecret ?? "" },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the bot's HTTP front thread exited (${code})`)));
    worker.on("message", (m: { listening?: number; answeredMs?: number; error?: string }) => {
      if (m.listening !== undefined) resolve(m.listening);
      else if (m.error) reject(new Error(m.error));
      else if (m.answeredMs !== undefined) opts.onAnswered?.(m.answeredMs);
    });
  });
  worker.removeAllListeners("error");
  worker.removeAllListeners("exit");
  let closing = false;
  let lost: string | undefined;
  worker.on("error", (err) => {
    lost = err.message;
  });
  worker.on("exit", (code) => {
    if (!closing) opts.onLost(lost ?? `it exited with code ${code}`);
  });
  return {
    port,
    close: async () => {
      closing = true;
      await worker.terminate();
    },
  };
}

/**
 * The thread's whole program, as source text: it then runs the same under tsx, vitest and
 * compiled code, with no loader or transpiler of its own (CommonJS, Node's modules only).
 *
 * Hop-by-hop headers describe one connection, not the request: a client's `connection: close`
 * must not close the kept-alive connection to the app. Idle connections to the app close here
 * after 30 s, before the app's server would close them (65 s), so no request is ever sent on a
 * connection the app is closing.
 *
 * A slash command is the one request whose answer Slack needs before the work it starts, and
 * whose later replies go to its response_url anyway: the thread checks its signature exactly as
 * Bolt does (v0 HMAC-SHA256 of the timestamp and body, at most 5 minutes old), answers 200 at
 * once, and only then hands it to the app — so no ack waits for the app's event loop. The app
 * still checks the signature and runs it as before; a non-empty answer of the app (a usage
 * message, help) is posted to the response_url, where Slack shows it the same way.
 */
const RELAY = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const crypto = require("node:crypto");
const { port, upstreamPort, signingSecret } = workerData;
const hop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);
const endToEnd = (headers) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !hop.has(name.toLowerCase())));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 30000 });
const MAX_BODY = 1024 * 1024;

function signedBySlack(headers, body) {
  const ts = Number(headers["x-slack-request-timestamp"]);
  const given = String(headers["x-slack-signature"] || "");
  if (!signingSecret || !Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return false;
  const want = "v0=" + crypto.createHmac("sha256", signingSecret).update("v0:" + ts + ":").update(body).digest("hex");
  return given.length === want.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(want));
}

/** The command and where its replies go, for a form-encoded slash command; else undefined. */
function slashCommand(req, body) {
  if (!String(req.headers["content-type"] || "").startsWith("application/x-www-form-urlencoded")) return undefined;
  const form = new URLSearchParams(body.toString("utf8"));
  const command = form.get("command");
  const responseUrl = form.get("response_url");
  if (!command || !responseUrl || form.has("payload") || !/^https?:\\/\\//.test(responseUrl)) return undefined;
  return { command, responseUrl };
}

function reply(responseUrl, text) {
  let body = text;
  try {
    JSON.parse(text);
  } catch {
    body = JSON.stringify({ response_type: "ephemeral", text });
  }
  fetch(responseUrl, { method: "POST", headers: { "content-type": "application/json" }, body }).catch(() => {});
}

function relay(req, res, body, started) {
  const upstream = http.request(
    { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: endToEnd(req.headers), agent },
    (answer) => {
      res.writeHead(answer.statusCode || 502, endToEnd(answer.headers));
      answer.on("error", () => res.destroy());
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end("the bot is not answering");
  });
  // A client that goes away mid-request ends only its own relay, never the thread.
  req.on("error", () => upstream.destroy());
  res.on("error", () => upstream.destroy());
  if (req.method === "POST")
    res.once("finish", () => parentPort.postMessage({ answeredMs: performance.now() - started }));
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

/** Acknowledged here; the app's answer, if it has words, goes to the response_url. */
function handOver(req, body, slash) {
  const upstream = http.request(
    { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: endToEnd(req.headers), agent },
    (answer) => {
      const chunks = [];
      answer.on("data", (c) => chunks.push(c));
      answer.on("error", () => {});
      answer.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8").trim();
        if (answer.statusCode !== 200)
          reply(slash.responseUrl, ":x: dockops could not take " + slash.command + " (it answered " + answer.statusCode + "); try again");
        else if (text) reply(slash.responseUrl, text);
      });
    },
  );
  upstream.on("error", (err) =>
    reply(slash.responseUrl, ":x: dockops could not take " + slash.command + " (" + err.message + "); try again"),
  );
  upstream.end(body);
}

const server = http.createServer((req, res) => {
  const started = performance.now();
  if (req.method !== "POST" || !signingSecret) return relay(req, res, undefined, started);
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on("error", () => res.destroy());
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const slash = size <= MAX_BODY ? slashCommand(req, body) : undefined;
    if (!slash || !signedBySlack(req.headers, body)) return relay(req, res, body, started);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end();
    res.once("finish", () => parentPort.postMessage({ answeredMs: performance.now() - started }));
    handOver(req, body, slash);
  });
});
server.on("error", (err) => parentPort.postMessage({ error: "cannot listen on " + port + ": " + err.message }));
server.listen(port, () => parentPort.postMessage({ listening: server.address().port }));
`;
