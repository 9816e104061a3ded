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
};

export async function openFrontDoor(opts: FrontDoorOptions): Promise<FrontDoor> {
  const worker = new Worker(RELAY, {
    eval: true,
    workerData: { port: opts.port, upstreamPort: opts.upstreamPort },
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
 */
const RELAY = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const { port, upstreamPort } = workerData;
const hop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);
const endToEnd = (headers) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !hop.has(name.toLowerCase())));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 30000 });
const server = http.createServer((req, res) => {
  const started = performance.now();
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
  req.pipe(upstream);
});
server.on("error", (err) => parentPort.postMessage({ error: "cannot listen on " + port + ": " + err.message }));
server.listen(port, () => parentPort.postMessage({ listening: server.address().port }));
`;
