import type Docker from "dockerode";

/** How long to wait before asking again while another caller's disk-usage read runs. */
const RETRY_MS = 100;

/** Docker 20.10 answers a `df` while another one runs on the same daemon with a 500 and this text. */
function isDfRunning(err: unknown): boolean {
  const e = err as { message?: unknown } | undefined;
  return /disk usage operation is already running/.test(String(e?.message ?? ""));
}

/**
 * Docker's disk usage (`docker system df`). The daemon runs one such read at a time and refuses
 * the others, so two monitors, a `/stats` and a `/prune` reading one host together would
 * otherwise see it fail: ask again until it answers (the caller's deadline bounds the wait).
 */
export async function readDiskUsage(docker: Docker, attempts = 100): ReturnType<Docker["df"]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await docker.df();
    } catch (err) {
      if (!isDfRunning(err) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}
