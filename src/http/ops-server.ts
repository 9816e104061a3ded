import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { healthHandler, metricsHandler, type RouteHandler } from "./routes.js";

/** A route beside /healthz and /metrics, as Bolt's custom routes describe one. */
export type ExtraRoute = { path: string; method: string[]; handler: RouteHandler };

/**
 * /healthz and /metrics (and the bot's POST /registry/events) on their own small server, for
 * the processes that have no Bolt receiver to hang them on: the shell, and a worker alone.
 */
export async function startOpsServer(
  port: number,
  health: () => Promise<void>,
  routes: readonly ExtraRoute[] = [],
): Promise<Server> {
  const onHealth = healthHandler(health);
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return onHealth(req, res);
    if (req.method === "GET" && path === "/metrics") return metricsHandler(req, res);
    const extra = routes.find((r) => r.path === path && r.method.includes(req.method ?? ""));
    if (extra) return extra.handler(req, res);
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found; try /healthz or /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

export function serverPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}
