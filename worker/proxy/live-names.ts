import type Docker from "dockerode";
import { LABEL, projectFilter } from "../../src/docker/labels.js";
import { isLiveName, liveName } from "../../src/proxy/live-names.js";
import { containerName } from "../deploy/container-spec.js";

type Named = { id: string; name: string; deployName: string };

/** Every container of the project in this environment, with its current and its deploy name. */
async function projectContainers(docker: Docker, project: string, env: string): Promise<Named[]> {
  const all = await docker.listContainers({ all: true, filters: projectFilter(project, env) });
  return all.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? "").replace(/^\//, ""),
    deployName: containerName(
      project,
      env,
      c.Labels[LABEL.deploy] ?? c.Id.slice(0, 12),
      Number(c.Labels[LABEL.replica] ?? 1) || 1,
    ),
  }));
}

/** The containers holding the live names now, in replica order (for putting them back). */
export async function liveHolders(docker: Docker, project: string, env: string): Promise<string[]> {
  const all = await projectContainers(docker, project, env);
  const held = all.filter((c) => isLiveName(c.name, project, env));
  return held.sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true })).map((c) => c.id);
}

/**
 * Hands the live names to `serving` (container ids, replica 1 first). Holders that keep serving
 * keep their names; the others get their deploy names back first, since a name can only pass on
 * once it is free. Between the two renames the name resolves to nothing for a few milliseconds;
 * the proxy retries such a dial (see caddy-config.ts), so no request fails.
 */
export async function moveLiveNames(
  docker: Docker,
  project: string,
  env: string,
  serving: readonly string[],
): Promise<void> {
  const all = await projectContainers(docker, project, env);
  const wanted = new Map(serving.map((id, i) => [id, liveName(project, env, i + 1)]));
  for (const c of all) {
    if (isLiveName(c.name, project, env) && wanted.get(c.id) !== c.name) {
      await docker.getContainer(c.id).rename({ name: c.deployName });
    }
  }
  for (const [id, name] of wanted) {
    if (all.find((c) => c.id === id)?.name !== name) await docker.getContainer(id).rename({ name });
  }
}
