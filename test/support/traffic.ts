import http from "node:http";

export type Reply = { status: number; body: string } | { error: string };

/** One GET with an explicit Host header (how a proxy shared by host name tells sites apart). */
export function getWithHost(url: string, host?: string, timeoutMs = 3_000): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get(
      url,
      { headers: host ? { Host: host } : {}, timeout: timeoutMs, agent: keepAlive },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
        res.on("error", (err) => resolve({ error: err.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ error: err.message }));
  });
}

// Kept-alive connections, as a browser or a load balancer uses them: a proxy reload must not
// break a request sent on a connection that was open before it.
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

export type TrafficReport = { sent: number; replies: Reply[]; seconds: number };

/**
 * A client sending `perSecond` requests a second (spread over a few parallel loops) until
 * stopped; every reply or error is kept for the assertions.
 */
export function startTraffic(url: string, perSecond: number, loops = 4) {
  const replies: Reply[] = [];
  let running = true;
  const started = Date.now();
  const gap = (1000 * loops) / perSecond;
  const loop = async () => {
    while (running) {
      const t = Date.now();
      replies.push(await getWithHost(url));
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
