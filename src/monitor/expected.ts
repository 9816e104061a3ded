import type { DeployStore } from "../deploys/store.js";

/** What the deploy records say should run on one host for one project+env. */
export type Expected = {
  /** A deploy to this host is queued or running: its containers come and go on purpose. */
  inProgress: boolean;
  /** The project was ever deployed to this environment (on any host). */
  deployed: boolean;
  containerName?: string;
  digest?: string;
};

const IN_PROGRESS = new Set(["queued", "running", "retrying"]);
/** A deploy record stuck "running" longer than this is a dead worker's, not a deploy in progress. */
const STALE_MS = 30 * 60_000;

export async function expectedOn(
  store: DeployStore,
  project: string,
  env: string,
  host: string,
  now = Date.now(),
): Promise<Expected> {
  const history = await store.history(project, env, 20);
  const expected: Expected = { inProgress: false, deployed: history.length > 0 };
  let newest = true;
  for (const record of history) {
    const status = record.hosts[host];
    if (!status) continue;
    if (newest && IN_PROGRESS.has(status.state) && now - record.meta.createdAt < STALE_MS) {
      return { ...expected, inProgress: true };
    }
    newest = false;
    if (status.state === "succeeded") {
      return { ...expected, containerName: status.containerName, digest: status.digest };
    }
  }
  return expected;
}

/** The host ports a project publishes ("8080:80", "127.0.0.1:8080:80/udp" → 8080). */
export function hostPorts(ports: readonly string[]): number[] {
  return ports.map((p) =>
    Number(
      p
        .replace(/\/(tcp|udp)$/, "")
        .split(":")
        .at(-2),
    ),
  );
}
