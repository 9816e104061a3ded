import type Docker from "dockerode";
import { demux } from "../../src/docker/logs.js";

/** Runs `cmd` inside a running container (like `docker exec`) and returns what it printed. */
export async function execIn(
  docker: Docker,
  containerId: string,
  cmd: string[],
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const exec = await docker
    .getContainer(containerId)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode, ...demux(Buffer.concat(chunks)) };
}

/** The environment of a container's main process as seen from inside it (`env`). */
export async function envInside(docker: Docker, containerId: string): Promise<Record<string, string>> {
  const { stdout } = await execIn(docker, containerId, ["env"]);
  const env: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
