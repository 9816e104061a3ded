import type Docker from "dockerode";
import { tarFiles, untarFiles } from "../../src/docker/tar.js";

/** One file of a container (running or not), or undefined when it does not exist. */
export async function readContainerFile(
  container: Docker.Container,
  path: string,
): Promise<string | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.getArchive({ path })) as NodeJS.ReadableStream;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Object.values(untarFiles(Buffer.concat(chunks)))[0];
}

/** Writes files (name → content) into a directory of a container through Docker's archive API. */
export async function writeContainerFiles(
  container: Docker.Container,
  dir: string,
  files: Record<string, string>,
): Promise<void> {
  await container.putArchive(tarFiles(files), { path: dir });
}
