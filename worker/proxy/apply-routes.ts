import type Docker from "dockerode";
import { caddyConfig } from "../../src/proxy/caddy-config.js";
import { CONFIG_FILE, NEXT_FILE, PROXY_DIR, STATE_FILE } from "../../src/proxy/proxy-container.js";
import { type ProxyState, parseState } from "../../src/proxy/routes.js";
import { execIn } from "./exec-in.js";
import { readContainerFile, writeContainerFiles } from "./proxy-files.js";

const RELOAD_TIMEOUT_MS = 15_000;
/** A proxy that was just (re)started needs about a second before its admin API answers. */
const ADMIN_WAIT_MS = 10_000;

export type Applied = { ok: true } | { ok: false; reason: string };

/** The routes the proxy serves now, as the worker stored them. */
export async function readRoutes(proxy: Docker.Container): Promise<ProxyState> {
  const state = parseState(await readContainerFile(proxy, `${PROXY_DIR}/${STATE_FILE}`));
  if (!state)
    throw new Error(`the proxy's ${PROXY_DIR}/${STATE_FILE} is damaged; fix or remove it and retry`);
  return state;
}

/**
 * Puts a whole new routing state in force with one graceful `caddy reload` (requests in flight
 * finish on the old config). The config goes to a side file first: only once Caddy accepted it
 * does it become the stored state, so a refused config changes nothing.
 */
export async function applyRoutes(proxy: Docker.Container, state: ProxyState): Promise<Applied> {
  const config = JSON.stringify(caddyConfig(state), null, 2);
  await writeContainerFiles(proxy, PROXY_DIR, { [NEXT_FILE]: config });
  const argv = ["caddy", "reload", "--config", `${PROXY_DIR}/${NEXT_FILE}`];
  const deadline = Date.now() + ADMIN_WAIT_MS;
  let result = await execIn(proxy, argv, RELOAD_TIMEOUT_MS);
  while (result.exitCode !== 0 && /connection refused/i.test(result.output) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    result = await execIn(proxy, argv, RELOAD_TIMEOUT_MS);
  }
  if (result.exitCode !== 0) {
    return { ok: false, reason: `the proxy refused the new routes: ${lastLine(result.output)}` };
  }
  try {
    await writeContainerFiles(proxy, PROXY_DIR, {
      [CONFIG_FILE]: config,
      [STATE_FILE]: JSON.stringify(state, null, 2),
    });
  } catch (err) {
    // Caddy routes to the new containers but the stored state does not say so: go back to the
    // stored config, since the caller will now remove the new containers.
    await execIn(proxy, ["caddy", "reload", "--config", `${PROXY_DIR}/${CONFIG_FILE}`], RELOAD_TIMEOUT_MS);
    throw err;
  }
  return { ok: true };
}

function lastLine(output: string): string {
  const lines = output.trim().split("\n");
  return (lines[lines.length - 1] ?? "").slice(0, 500) || "no output";
}
