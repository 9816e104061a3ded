import type { DockerHosts } from "./connect.js";
import { dockerReason } from "./errors.js";
import { LABEL, projectFilter } from "./labels.js";

export type RunningContainer = {
  id: string;
  name: string;
  digest: string;
  version: string;
  commit?: string;
  replica?: number;
};

/** Per host: its running containers of the project, or why they could not be read. */
export type RunningByHost = Record<string, RunningContainer[] | { error: string }>;

/** Reads the running containers of a project+env on each named host (the bot: through workers). */
export type RunningReader = (
  hosts: readonly string[],
  project: string,
  env: string,
) => Promise<RunningByHost>;

const READ_TIMEOUT_MS = 5_000;

/**
 * Reads the running managed containers of a project+env on several hosts at once, each with its
 * own timeout, so one unreachable host cannot hold up the reply.
 */
export async function readRunning(
  hosts: DockerHosts,
  names: readonly string[],
  project: string,
  env: string,
  timeoutMs = READ_TIMEOUT_MS,
): Promise<RunningByHost> {
  const read = async (host: string): Promise<RunningContainer[] | { error: string }> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ error: `no answer within ${timeoutMs / 1000}s` }), timeoutMs);
    });
    const list = hosts
      .get(host)
      .listContainers({ filters: { ...projectFilter(project, env), status: ["running"] } })
      .then(
        (cs) =>
          cs
            .sort((a, b) => a.Created - b.Created)
            .map((c) => {
              const replica = Number(c.Labels[LABEL.replica]);
              return {
                id: c.Id,
                name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
                digest: c.Labels[LABEL.digest] ?? "",
                version: c.Labels[LABEL.version] ?? "",
                ...(c.Labels[LABEL.commit] ? { commit: c.Labels[LABEL.commit] } : {}),
                ...(replica > 0 ? { replica } : {}),
              };
            }),
        (err: unknown) => ({ error: dockerReason(err) }),
      );
    try {
      return await Promise.race([list, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const results = await Promise.all(names.map(read));
  return Object.fromEntries(names.map((h, i) => [h, results[i] as RunningContainer[] | { error: string }]));
}
