import type Docker from "dockerode";
import type { ProxySettings } from "../fleet/schema.js";

/** Where the proxy keeps its files inside the container (the official image's config directory). */
export const PROXY_DIR = "/etc/caddy";
export const CONFIG_FILE = "dockops.json";
export const NEXT_FILE = "dockops-next.json";
export const STATE_FILE = "dockops-routes.json";

export const PROXY_LABEL = { proxy: "dockops.proxy", ports: "dockops.proxy.ports" } as const;

/**
 * The proxy container on a host: Caddy with the bot's JSON config, restarted by Docker whatever
 * happens, on the network the apps join. `--resume` makes a restarted Caddy load the last config
 * it accepted (Caddy saves it), so a restart never brings back an older route.
 */
export function proxyContainerSpec(
  settings: ProxySettings,
  image: string,
  ports: number[],
): Docker.ContainerCreateOptions {
  const key = (port: number) => `${port}/tcp`;
  return {
    name: settings.name,
    Image: image,
    Cmd: ["caddy", "run", "--config", `${PROXY_DIR}/${CONFIG_FILE}`, "--resume"],
    Labels: { [PROXY_LABEL.proxy]: "true", [PROXY_LABEL.ports]: ports.join(",") },
    ExposedPorts: Object.fromEntries(ports.map((p) => [key(p), {}])),
    HostConfig: {
      PortBindings: Object.fromEntries(ports.map((p) => [key(p), [{ HostPort: String(p) }]])),
      RestartPolicy: { Name: "always" },
      NetworkMode: settings.network,
    },
  };
}

/** The ports a proxy container was created with, from its label. */
export function publishedPorts(labels: Record<string, string> | undefined): number[] {
  return (labels?.[PROXY_LABEL.ports] ?? "")
    .split(",")
    .filter((p) => p !== "")
    .map(Number);
}
