import http from "node:http";

/** One GET's wall time, from the call to the last byte of the body; `ok` only for a 200. */
export type Timed = { ms: number; ok: boolean };

/**
 * A GET timed from before the connection opens (`agent: false`, as the traffic client does) or
 * over a kept-alive socket of `agent`, so both what a new visitor pays and what a reused
 * connection pays can be measured.
 */
export function timedGet(url: string, agent: http.Agent | false, timeoutMs = 3_000): Promise<Timed> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const done = (ok: boolean) => resolve({ ms: performance.now() - t0, ok });
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      res.on("end", () => done(res.statusCode === 200));
      res.on("error", () => done(false));
      res.resume();
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done(false));
  });
}
