import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { readExecStream } from "../../src/docker/exec-stream.js";
import { frames } from "../../src/docker/logs.js";

export type ExecOutcome = { exitCode: number | null; output: string };

/** Runs an argv in a container (no shell) and returns its exit code and output; null on timeout. */
export async function execIn(
  container: Docker.Container,
  argv: string[],
  timeoutMs: number,
): Promise<ExecOutcome> {
  const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  const chunks: Buffer[] = [];
  const timedOut = await readExecStream(stream, timeoutMs, (chunk) => chunks.push(chunk));
  const output = frames(Buffer.concat(chunks))
    .map((f) => f.text)
    .join("")
    .slice(0, 4_000);
  if (timedOut) return { exitCode: null, output };
  return { exitCode: (await exec.inspect()).ExitCode ?? null, output };
}
