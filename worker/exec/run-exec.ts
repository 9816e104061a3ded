import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { onHost } from "../../src/docker/errors.js";
import { readExecStream } from "../../src/docker/exec-stream.js";
import { projectFilter, revisionsInUse } from "../../src/docker/labels.js";
import { frames } from "../../src/docker/logs.js";
import { DeployFailedError } from "../../src/errors.js";
import type { ExecJob, ExecResult } from "../../src/jobs/schemas.js";

export type ExecLimits = { timeoutMs: number; maxOutputBytes: number };

export const EXEC_LIMITS: ExecLimits = { timeoutMs: 60_000, maxOutputBytes: 16_384 };

/**
 * Runs one argv in the project's running container. Docker gets `Cmd` as an array, so no shell
 * ever parses it. Output beyond the cap is dropped; past the timeout we stop reading and report.
 */
/** The result, and the config revisions the container runs with (whose secrets its output may hold). */
export type RanExec = ExecResult & { configRevisions: number[] };

export async function runExec(docker: Docker, job: ExecJob, limits: ExecLimits): Promise<RanExec> {
  const started = Date.now();
  const call = <T>(fn: () => Promise<T>) => onHost(job.host, fn);
  const running = await call(() =>
    docker.listContainers({ filters: { ...projectFilter(job.project, job.env), status: ["running"] } }),
  );
  const target = running.sort((a, b) => b.Created - a.Created)[0];
  if (!target) {
    throw new DeployFailedError(
      `${job.project} runs no container in ${job.env} on ${job.host}; nothing to exec in`,
    );
  }
  const container = docker.getContainer(target.Id);
  const exec = await call(() =>
    container.exec({ Cmd: job.argv, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false }),
  );
  const stream = (await call(() => exec.start({ hijack: true, stdin: false }))) as Duplex;

  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const timedOut = await readExecStream(stream, limits.timeoutMs, (chunk) => {
    // Keep a little past the cap so frame headers do not cut the last line short.
    if (size < limits.maxOutputBytes + 64) chunks.push(chunk);
    size += chunk.length;
  });
  let output = frames(Buffer.concat(chunks))
    .map((f) => f.text)
    .join("");
  if (output.length > limits.maxOutputBytes || size > limits.maxOutputBytes + 64) {
    output = output.slice(0, limits.maxOutputBytes);
    truncated = true;
  }
  const info = timedOut ? undefined : await call(() => exec.inspect());
  return {
    configRevisions: revisionsInUse(target.Labels),
    container: (target.Names[0] ?? target.Id).replace(/^\//, ""),
    exitCode: info?.ExitCode ?? null,
    output,
    truncated,
    timedOut,
    durationMs: Date.now() - started,
  };
}
