import Docker from "dockerode";
import { dockerOptions } from "../../src/docker/connect.js";
import type { HostSpec } from "../../src/fleet/schema.js";

/** Direct Docker access for assertions and cleanup, independent of the bot. */
export function dockerFor(name: string, spec: HostSpec): Docker {
  return new Docker(dockerOptions(name, spec));
}

export async function managedContainers(
  docker: Docker,
  project: string,
  all = false,
): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all, filters: { label: [`dockops.project=${project}`] } });
}

export async function removeProject(docker: Docker, project: string): Promise<void> {
  const containers = await managedContainers(docker, project, true);
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
}

/** Runs `cmd` in a running container (docker exec) and waits until it ends. */
export async function execIn(container: Docker.Container, cmd: string[]): Promise<void> {
  const e = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  await new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.resume();
  });
}

/** GET http://addr:port/path from the test process, as a user of the service would. */
export async function httpGet(
  url: string,
  timeoutMs = 3_000,
): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: (await res.text()).trim() };
  } catch {
    return undefined;
  }
}
