import type Docker from "dockerode";
import { RegistryError } from "../errors.js";

import type { PullEvent } from "./pull-progress.js";

export type PullProgress = (status: string, event: PullEvent) => void;

/** Pulls by digest and resolves when Docker says it is done; a stream `error` event is a failure. */
export async function pullImage(
  docker: Docker,
  reference: string,
  auth: object | undefined,
  onProgress?: PullProgress,
): Promise<void> {
  const stream = (await docker.pull(reference, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: Array<{ error?: string }>) => {
        const failed = err?.message ?? output.find((o) => o.error)?.error;
        if (failed) reject(new RegistryError(`pull of ${reference} failed: ${failed}`));
        else resolve();
      },
      (event: PullEvent & { progress?: string }) => {
        if (onProgress && event.status)
          onProgress(`${event.status}${event.progress ? ` ${event.progress}` : ""}`, event);
      },
    );
  });
}

/** When the image was built (`Created`), or undefined when Docker does not say. */
export async function imageCreated(docker: Docker, reference: string): Promise<number | undefined> {
  const info = (await docker.getImage(reference).inspect()) as { Created?: string };
  const at = info.Created ? Date.parse(info.Created) : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}
