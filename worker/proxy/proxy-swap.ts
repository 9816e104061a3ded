import type Docker from "dockerode";
import type { Logger } from "pino";
import type { HostLocks } from "../../src/deploys/host-lock.js";
import { dockerReason } from "../../src/docker/errors.js";
import { DeployFailedError } from "../../src/errors.js";
import type { ProjectProxy, ProxySettings } from "../../src/fleet/schema.js";
import { DNS_REFRESH_MS, liveUpstreams } from "../../src/proxy/live-names.js";
import { conflictingRoute, type ProxyRoute, routeKey, sameRoute } from "../../src/proxy/routes.js";
import { applyRoutes, readRoutes } from "./apply-routes.js";
import { ensureProxy } from "./ensure-proxy.js";
import { execIn } from "./exec-in.js";
import { withProxyLock } from "./host-mutex.js";
import { liveHolders, moveLiveNames } from "./live-names.js";
import { routeBackToPrevious } from "./route-back.js";

/** What a deploy of a project behind the proxy does differently; see runDeploy. */
export type ProxySwap = {
  /** Checks the new containers through the proxy's network, then hands them the live names. */
  switchTo: (containers: Docker.Container[]) => Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Gives requests in flight to the old containers time to finish before they are retired. */
  drain: () => Promise<void>;
};

export type ProxySwapInput = {
  docker: Docker;
  host: string;
  project: string;
  env: string;
  deployId: string;
  proxy: ProjectProxy;
  settings: ProxySettings;
  image: string;
  /** Every port the fleet's proxied projects ask for: the proxy publishes them all at once. */
  ports: number[];
  auth?: object;
  locks?: HostLocks;
  log: Logger;
  /** How long the proxy keeps asking a new container's health path before giving up. */
  verifyTimeoutMs?: number;
};

const PROBE_EVERY_MS = 250;

/** Asks http://NAME:TARGET/healthPath from inside the proxy container, as the proxy will reach it. */
async function probe(
  proxyContainer: Docker.Container,
  url: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (true) {
    // No `wget -T`: static busybox builds crash on it; execIn's own timeout bounds the wait.
    const r = await execIn(proxyContainer, ["wget", "-q", "-O", "/dev/null", url], 10_000);
    if (r.exitCode === 0) return undefined;
    last = r.output.trim() || `exit code ${r.exitCode}`;
    if (Date.now() >= deadline) return last;
    await new Promise((res) => setTimeout(res, PROBE_EVERY_MS));
  }
}

/** A rename Docker refused (a name taken by another project) fails the switch, not the worker. */
async function renamed(move: () => Promise<void>): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await move();
    return { ok: true };
  } catch (err) {
    if (typeof (err as { statusCode?: unknown }).statusCode !== "number") throw err;
    return { ok: false, reason: `Docker could not rename the containers: ${dockerReason(err)}` };
  }
}

/**
 * Gets the host's proxy ready for this deploy (network, container, the project's port) and
 * checks that the route can go in, before anything of the app changes. Then the deploy uses the
 * returned swap: the proxy stays on the old containers until `switchTo` succeeds.
 */
export async function prepareProxySwap(input: ProxySwapInput): Promise<ProxySwap> {
  const { proxy, settings } = input;
  const key = routeKey(input.project, input.env);
  const lockKey = `${input.host}/${settings.name}`;
  const route = (upstreams: string[], previous?: ProxyRoute): ProxyRoute => ({
    port: proxy.port,
    hosts: proxy.hosts,
    tls: proxy.tls,
    upstreams,
    ...(previous?.maintenance ? { maintenance: previous.maintenance } : {}),
  });
  const container = await withProxyLock(lockKey, input.locks, input.deployId, async () => {
    const c = await ensureProxy({ ...input, docker: input.docker });
    const state = await routeBackToPrevious({
      ...input,
      proxy: c,
      state: await readRoutes(c),
      key,
      deployId: input.deployId,
      target: proxy.target,
      drainMs: proxy.drain,
    });
    const other = conflictingRoute(state, key, route([]));
    if (other) {
      throw new DeployFailedError(
        `the proxy on ${input.host} already sends port ${proxy.port}${proxy.hosts.length ? ` (${proxy.hosts.join(", ")})` : ""} to ${other}; give ${key} other host names or another port`,
      );
    }
    return c;
  });
  let hadRoute = false;

  return {
    switchTo: async (containers) => {
      const infos = await Promise.all(containers.map((c) => c.inspect()));
      const names = infos.map((i) => i.Name.replace(/^\//, ""));
      for (const [i, info] of infos.entries()) {
        // By address on the proxy's network: an image's wget cannot always resolve names (a
        // static glibc busybox cannot), while Caddy resolves them itself.
        const address = info.NetworkSettings.Networks[settings.network]?.IPAddress;
        if (!address)
          return { ok: false, reason: `${names[i]} is not on the proxy network ${settings.network}` };
        const url = `http://${address}:${proxy.target}${proxy.healthPath}`;
        const failure = await probe(container, url, input.verifyTimeoutMs ?? 10_000);
        if (failure) {
          return {
            ok: false,
            reason: `the proxy could not get ${proxy.healthPath} from ${names[i]} (${url}): ${failure}`,
          };
        }
      }
      return withProxyLock(lockKey, input.locks, input.deployId, async () => {
        const state = await readRoutes(container);
        const previous = state.routes[key];
        hadRoute = previous !== undefined && previous.upstreams.length > 0;
        const next = route(
          liveUpstreams(input.project, input.env, containers.length, proxy.target),
          previous,
        );
        const other = conflictingRoute(state, key, next);
        if (other)
          return { ok: false, reason: `the proxy on ${input.host} now sends these requests to ${other}` };
        const before = await liveHolders(input.docker, input.project, input.env);
        const moved = await renamed(() =>
          moveLiveNames(
            input.docker,
            input.project,
            input.env,
            containers.map((c) => c.id),
          ),
        );
        if (!moved.ok) {
          await moveLiveNames(input.docker, input.project, input.env, before).catch(() => {});
          return moved;
        }
        // The usual deploy ends here: same names, same route, nothing for Caddy to reload.
        if (previous && sameRoute(previous, next)) {
          input.log.info({ upstreams: next.upstreams }, "proxy switched by renaming, no reload");
          return { ok: true };
        }
        const applied = await applyRoutes(container, { routes: { ...state.routes, [key]: next } });
        if (applied.ok) input.log.info({ upstreams: next.upstreams }, "proxy switched with a reload");
        else await moveLiveNames(input.docker, input.project, input.env, before).catch(() => {});
        return applied;
      });
    },
    drain: async () => {
      // Caddy may still pick the old containers until its next DNS lookup; then their requests
      // in flight get the project's drain time.
      if (hadRoute) await new Promise((r) => setTimeout(r, DNS_REFRESH_MS + proxy.drain));
    },
  };
}
