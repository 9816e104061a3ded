import http from "node:http";

export type Reply = { status: number; body: string } | { error: string; at: string };

/**
 * One GET with an explicit Host header (how a proxy shared by host name tells sites apart), on a
 * new connection: see docs/proxy.md for what a reload does to kept-alive ones.
 */
export function getWithHost(url: string, host?: string, timeoutMs = 3_000): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { headers: host ? { Host: host } : {}, timeout: timeoutMs, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        res.on("error", (err) => resolve(failed(err)));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve(failed(err)));
  });
}

/** A failure with its time, to set against the deploy's steps in the logs. */
const failed = (err: Error): Reply => ({ error: err.message, at: new Date().toISOString() });

export type TrafficReport = { sent: number; replies: Reply[]; seconds: number };

/**
 * A client sending `perSecond` requests a second (spread over a few parallel loops) until
 * stopped; every reply or error is kept for the assertions. `timeoutMs` bounds one request: the
 * proxy tests give 10 s, since the proxy itself answers an error within about 2 s when it has no
 * container to send to, and a busy test machine can stall a good request for seconds.
 */
export function startTraffic(url: string, perSecond: number, loops = 4, timeoutMs = 3_000) {
  const replies: Reply[] = [];
  let running = true;
  const started = Date.now();
  const gap = (1000 * loops) / perSecond;
  const loop = async () => {
    while (running) {
      const t = Date.now();
      replies.push(await getWithHost(url, undefined, timeoutMs));
      const wait = gap - (Date.now() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const all = Promise.all(Array.from({ length: loops }, loop));
  return {
    replies,
    stop: async (): Promise<TrafficReport> => {
      running = false;
      await all;
      return { sent: replies.length, replies, seconds: (Date.now() - started) / 1000 };
    },
  };
}

/**
 * Failed requests split into connection resets and the rest (refused, timed out, an error
 * status): the benchmark reports both, since a reset is what a listener closing under a client
 * looks like (a container stopping, or a Caddy reload; see docs/proxy.md).
 */
export function splitFailures(replies: readonly Reply[]): { resets: Reply[]; other: Reply[] } {
  const isReset = (r: Reply) => "error" in r && /ECONNRESET|EPIPE|socket hang up/.test(r.error);
  const failed = replies.filter((r) => !("status" in r) || r.status !== 200);
  return { resets: failed.filter(isReset), other: failed.filter((r) => !isReset(r)) };
}
