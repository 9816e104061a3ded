import type Docker from "dockerode";
import { errorMessage, HostUnreachableError } from "../errors.js";
import { withDeadline } from "./deadline.js";
import { configRevisionOf, projectFilter } from "./labels.js";
import { tailLogs } from "./logs.js";

export type HostLogs =
  | {
      host: string;
      ok: true;
      /** `configRevision`: the config the container started with, whose secrets its lines may hold. */
      container?: { name: string; state: string; configRevision?: number };
      lines: string[];
    }
  | { host: string; ok: false; reason: string };

export type LogsQuery = { project: string; env: string; tail: number; sinceMs?: number; timeoutMs: number };

/**
 * The log tail of the project's current container on one host: the running one, else the newest
 * (so a crashed container's last words can still be read). Found by label, never by name.
 */
export async function projectLogs(host: string, connect: () => Docker, q: LogsQuery): Promise<HostLogs> {
  try {
    return await withDeadline(host, q.timeoutMs, async () => {
      const docker = connect();
      const all = await docker.listContainers({ all: true, filters: projectFilter(q.project, q.env) });
      const sorted = [...all].sort((a, b) => b.Created - a.Created);
      const current = sorted.find((c) => c.State === "running") ?? sorted[0];
      if (!current) return { host, ok: true as const, lines: [] };
      const lines = await tailLogs(docker.getContainer(current.Id), q.tail, { sinceMs: q.sinceMs });
      const name = (current.Names[0] ?? current.Id).replace(/^\//, "");
      const configRevision = configRevisionOf(current.Labels);
      const container = {
        name,
        state: current.State,
        ...(configRevision !== undefined ? { configRevision } : {}),
      };
      return { host, ok: true as const, container, lines };
    });
  } catch (err) {
    const reason = err instanceof HostUnreachableError ? `unreachable (${err.detail})` : errorMessage(err);
    return { host, ok: false, reason: reason.split("\n")[0]?.slice(0, 120) ?? "unknown error" };
  }
}
