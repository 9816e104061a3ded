import { existsSync } from "node:fs";
import { type LoadedFleet, loadFleet, parseFleet } from "./load.js";

/**
 * The fleet used when there is no fleet file: this machine's Docker as host `local`, and the
 * docs/fleet-file.md example project `a1` (here a public nginx image, so the first deploy works anywhere
 * Docker can reach Docker Hub). Every value can be overridden from the environment.
 */
export const DEFAULT_FLEET_YAML = `
registry:
  url: \${DOCKOPS_REGISTRY:-registry-1.docker.io}
  username: \${REGISTRY_USERNAME:-}
  password: \${REGISTRY_PASSWORD:-}
hosts:
  local:
    docker: \${DOCKER_HOST:-unix:///var/run/docker.sock}
environments:
  beta:
    hosts: [local]
projects:
  a1:
    image: \${DOCKOPS_IMAGE:-library/nginx}
    tag: \${DOCKOPS_TAG:-alpine}
    ports: ["\${DOCKOPS_HOST_PORT:-8080}:80"]
    health:
      cmd: "wget -q -O /dev/null http://127.0.0.1/"
      timeout: 60s
    env:
      LOG_LEVEL: info
`;

export const BUILT_IN = "(built-in fleet)";

/**
 * FLEET_FILE if set (it must exist), else ./fleet.yml if present, else the built-in fleet.
 * `file` is BUILT_IN when the built-in fleet is used, so start-up can say so.
 */
export function resolveFleet(
  fleetFile: string | undefined,
  env: Record<string, string | undefined> = process.env,
  cwdFile = "./fleet.yml",
): LoadedFleet {
  if (fleetFile) return loadFleet(fleetFile, env);
  if (existsSync(cwdFile)) return loadFleet(cwdFile, env);
  return parseFleet(DEFAULT_FLEET_YAML, BUILT_IN, env);
}

/** One line for the start-up banner describing the built-in fleet. */
export function describeBuiltIn({ fleet }: LoadedFleet): string {
  const host = fleet.hosts.local?.docker ?? "?";
  const a1 = fleet.projects.a1;
  return `no FLEET_FILE and no ./fleet.yml: using the built-in fleet — host local (${host}), environment beta, project a1 (${fleet.registry.url}/${a1?.image}:${a1?.tag}, ports ${a1?.ports.join(", ")}). Write a fleet.yml to use your own (docs/fleet-file.md).`;
}
