import type Docker from "dockerode";

/**
 * The exit code of a container's latest `die` event. Docker resets State.ExitCode to 0 when its
 * restart policy starts the container again, so a crash loop's exit code lives only in events.
 */
export async function lastExitCode(
  docker: Docker,
  containerId: string,
  sinceMs: number,
): Promise<number | undefined> {
  const stream = (await docker.getEvents({
    since: Math.floor(sinceMs / 1000) - 1,
    until: Math.ceil(Date.now() / 1000),
    filters: { type: ["container"], container: [containerId], event: ["die"] },
  })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  let code: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const value = (JSON.parse(line) as { Actor?: { Attributes?: { exitCode?: string } } }).Actor?.Attributes
      ?.exitCode;
    if (value !== undefined && /^\d+$/.test(value)) code = Number(value);
  }
  return code;
}
