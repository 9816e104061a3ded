import type Docker from "dockerode";
import type { Logger } from "pino";
import { LABEL, projectFilter } from "../../src/docker/labels.js";
import { DNS_REFRESH_MS, liveUpstreams } from "../../src/proxy/live-names.js";
import type { ProxyRoute, ProxyState } from "../../src/proxy/routes.js";
import { applyRoutes } from "./apply-routes.js";
import { liveHolders, moveLiveNames } from "./live-names.js";

export type RouteBackInput = {
  docker: Docker;
  proxy: Docker.Container;
  state: ProxyState;
  key: string;
  project: string;
  env: string;
  /** The deploy being retried: its containers are about to be removed and created afresh. */
  deployId: string;
  target: number;
  /** Requests in flight to this deploy's containers get this long before the retry removes them. */
  drainMs: number;
  log: Logger;
};

/**
 * A worker that died during or after the switch left the live names on this deploy's containers
 * (or, between two renames, on none), and the retried deploy is about to remove them. Hand the
 * names back to the previous containers first (still running: retiring comes after the drain),
 * so no request meets a removed container. Does nothing when the previous ones hold them.
 */
export async function routeBackToPrevious(input: RouteBackInput): Promise<ProxyState> {
  const { docker, project, env } = input;
  const route: ProxyRoute | undefined = input.state.routes[input.key];
  if (!route) return input.state;
  const running = await docker.listContainers({
    filters: { ...projectFilter(project, env), status: ["running"] },
  });
  const previous = running
    .filter((c) => c.Labels[LABEL.deploy] !== input.deployId)
    .sort((a, b) => Number(a.Labels[LABEL.replica] ?? 1) - Number(b.Labels[LABEL.replica] ?? 1))
    .map((c) => c.Id);
  const holders = await liveHolders(docker, project, env);
  if (previous.length === 0 || holders.join() === previous.join()) return input.state;
  await moveLiveNames(docker, project, env, previous);
  const upstreams = liveUpstreams(project, env, previous.length, input.target);
  let state = input.state;
  if (upstreams.join() !== route.upstreams.join()) {
    state = { routes: { ...state.routes, [input.key]: { ...route, upstreams } } };
    const applied = await applyRoutes(input.proxy, state);
    if (!applied.ok) throw new Error(applied.reason);
  }
  input.log.warn({ upstreams }, "proxy routed back to the previous containers before retrying the deploy");
  await new Promise((r) => setTimeout(r, DNS_REFRESH_MS + input.drainMs));
  return state;
}
