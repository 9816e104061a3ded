import type Docker from "dockerode";
import type { Logger } from "pino";
import { projectFilter } from "../../src/docker/labels.js";
import type { ProxyRoute, ProxyState } from "../../src/proxy/routes.js";
import { applyRoutes } from "./apply-routes.js";

export type RouteBackInput = {
  docker: Docker;
  proxy: Docker.Container;
  state: ProxyState;
  key: string;
  project: string;
  env: string;
  /** `<project>-<env>-<deployId>`: the names of this deploy's containers start with it. */
  base: string;
  target: number;
  /** Requests in flight to this deploy's containers get this long before the retry removes them. */
  drainMs: number;
  log: Logger;
};

/**
 * A worker that died after the switch left the proxy on this deploy's containers, which the
 * retried deploy is about to remove and create afresh. Point the route back at the previous
 * containers first (they are still running: retiring comes after the drain), so no request
 * meets a removed container. Does nothing when the route is not on this deploy's containers.
 */
export async function routeBackToPrevious(input: RouteBackInput): Promise<ProxyState> {
  const route: ProxyRoute | undefined = input.state.routes[input.key];
  const ours = (dial: string) =>
    dial === input.base || dial.startsWith(`${input.base}-r`) || dial.startsWith(`${input.base}:`);
  if (!route?.upstreams.some(ours)) return input.state;
  const running = await input.docker.listContainers({
    filters: { ...projectFilter(input.project, input.env), status: ["running"] },
  });
  const previous = running
    .map((c) => (c.Names[0] ?? "").replace(/^\//, ""))
    .filter((name) => name !== "" && name !== input.base && !name.startsWith(`${input.base}-r`));
  if (previous.length === 0) return input.state;
  const next: ProxyState = {
    routes: {
      ...input.state.routes,
      [input.key]: { ...route, upstreams: previous.map((n) => `${n}:${input.target}`) },
    },
  };
  const applied = await applyRoutes(input.proxy, next);
  if (!applied.ok) throw new Error(applied.reason);
  input.log.warn(
    { upstreams: previous },
    "proxy routed back to the previous containers before retrying the deploy",
  );
  await new Promise((r) => setTimeout(r, input.drainMs));
  return next;
}
