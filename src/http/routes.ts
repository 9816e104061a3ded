import type { IncomingMessage, ServerResponse } from "node:http";
import { errorMessage } from "../errors.js";
import { metricsRegistry } from "../metrics.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** GET /healthz: 200 when `health` resolves (Redis answers), 503 with the reason otherwise. */
export function healthHandler(health: () => Promise<void>): RouteHandler {
  return (_req, res) => {
    health().then(
      () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: true }));
      },
      (err) => {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: false, error: errorMessage(err) }));
      },
    );
  };
}

/** GET /metrics in the Prometheus text format. */
export const metricsHandler: RouteHandler = (_req, res) => {
  metricsRegistry.metrics().then(
    (text) => {
      res.writeHead(200, { "content-type": metricsRegistry.contentType });
      res.end(text);
    },
    (err) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(errorMessage(err));
    },
  );
};
