import type Docker from "dockerode";

const POLL_MS = 50;

/**
 * `docker stop` done in short calls: the stop signal, wait for the exit, SIGKILL after `graceMs`.
 * Docker's own stop endpoint stays silent for the whole grace period, which a client's idle
 * timeout (kept short so a dead host is noticed quickly) would take for a dead host.
 */
export async function stopContainer(container: Docker.Container, graceMs: number): Promise<void> {
  const info = await container.inspect();
  if (!info.State.Running) return;
  const running = async () => (await container.inspect()).State.Running;
  // The image's STOPSIGNAL, as `docker stop` would send (nginx wants SIGQUIT, for instance).
  const signal = (info.Config as { StopSignal?: string }).StopSignal || "SIGTERM";
  await container.kill({ signal }).catch(ignoreNotRunning);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await running())) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await container.kill({ signal: "SIGKILL" }).catch(ignoreNotRunning);
  while (await running()) await new Promise((r) => setTimeout(r, POLL_MS));
}

/** Restart = stop as above, then start. */
export async function restartContainer(container: Docker.Container, graceMs: number): Promise<void> {
  await stopContainer(container, graceMs);
  await container.start();
}

/** Docker answers 409 when the container stopped between our inspect and the signal. */
function ignoreNotRunning(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode === 409) return;
  throw err;
}
