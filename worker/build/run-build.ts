import { readdirSync } from "node:fs";
import type Docker from "dockerode";
import { RegistryError } from "../../src/errors.js";
import { type BuildEvent, BuildOutput } from "./build-output.js";

export type BuildCallbacks = {
  /** Every output line, for the job log. */
  line: (line: string) => void;
  /** A new Dockerfile step began. */
  step: (output: BuildOutput) => void;
};

export type ImageBuild = {
  docker: Docker;
  /** The checked-out repository's context folder. */
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  /** registry/repository, without a tag. */
  repository: string;
  tags: readonly string[];
  labels: Record<string, string>;
  /** Aborted by `/cancel`: the build stream is closed, which makes the daemon stop the build. */
  signal?: AbortSignal;
};

/** How long a build or a push may take in all; the client has no idle timeout (see `untimed`). */
export const BUILD_DEADLINE_MS = 60 * 60_000;

/** The build was stopped by `/cancel`. */
export class BuildCancelled extends Error {}

function follow(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onEvent: (e: BuildEvent) => void,
  signal?: AbortSignal,
  deadlineMs = BUILD_DEADLINE_MS,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const destroy = () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    const timer = setTimeout(() => {
      reject(new Error(`no end after ${Math.round(deadlineMs / 60_000)} minutes; gave up`));
      destroy();
    }, deadlineMs);
    // Closing the connection is how a client stops a build: the daemon cancels it and removes
    // the step's container (forcerm).
    const onAbort = () => {
      clearTimeout(timer);
      reject(new BuildCancelled("cancelled"));
      destroy();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve();
      },
      onEvent,
    );
  });
}

/**
 * Sends the context (minus .git, honouring .dockerignore) to the builder's daemon through the
 * build API, tags the image with every tag, and returns the failure text (step, error, last
 * lines) when a step failed, else undefined.
 */
export async function buildImage(b: ImageBuild, cb: BuildCallbacks): Promise<string | undefined> {
  const [first, ...rest] = b.tags;
  const entries = readdirSync(b.context).filter((name) => name !== ".git");
  const stream = (await b.docker.buildImage(
    { context: b.context, src: entries },
    {
      t: `${b.repository}:${first}`,
      dockerfile: b.dockerfile,
      buildargs: b.args,
      labels: b.labels,
      rm: true,
      forcerm: true,
    },
  )) as NodeJS.ReadableStream;
  const output = new BuildOutput();
  await follow(
    b.docker,
    stream,
    (event) => {
      const before = output.step;
      for (const line of output.feed(event)) cb.line(line);
      if (output.step !== before) cb.step(output);
    },
    b.signal,
  );
  if (output.error !== undefined) return output.failure();
  const image = b.docker.getImage(`${b.repository}:${first}`);
  for (const tag of rest) await image.tag({ repo: b.repository, tag });
  return undefined;
}

type PushEvent = { status?: string; error?: string; aux?: { Tag?: string; Digest?: string } };

/** Pushes one tag with the registry's credentials; returns the manifest digest the registry took. */
export async function pushTag(
  docker: Docker,
  repository: string,
  tag: string,
  auth: object | undefined,
  line: (line: string) => void,
): Promise<string> {
  const image = docker.getImage(repository);
  const stream = (await image.push({ tag, ...(auth ? { authconfig: auth } : {}) })) as NodeJS.ReadableStream;
  let digest: string | undefined;
  let failed: string | undefined;
  await follow(docker, stream, (event: BuildEvent & PushEvent) => {
    if (event.error) failed = event.error;
    if (event.aux?.Digest) digest = event.aux.Digest;
    if (event.status && !/^(Preparing|Waiting|Pushing)$/.test(event.status)) line(event.status);
  });
  if (failed !== undefined) throw new RegistryError(`push of ${repository}:${tag} failed: ${failed}`);
  if (!digest) throw new RegistryError(`push of ${repository}:${tag} gave no digest`);
  return digest;
}
