import type Docker from "dockerode";

export type Created = { project: string; deploy: string; name: string };

/**
 * Every container dockops creates on this daemon from now until `stop`, as Docker reports it: a
 * container created and removed again still counts. Followed live, because dockerd keeps only
 * its last 256 events for a later `since` query, and health-check execs fill that in minutes.
 */
export async function followCreates(docker: Docker): Promise<{ created: Created[]; stop: () => void }> {
  const stream = (await docker.getEvents({
    filters: { type: ["container"], event: ["create"], label: ["dockops.managed=true"] },
  })) as NodeJS.ReadableStream & { destroy?: () => void };
  const created: Created[] = [];
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const attrs = (JSON.parse(line) as { Actor: { Attributes: Record<string, string> } }).Actor.Attributes;
      created.push({
        project: attrs["dockops.project"] ?? "",
        deploy: attrs["dockops.deploy"] ?? "",
        name: attrs.name ?? "",
      });
    }
  });
  stream.on("error", () => {});
  return { created, stop: () => stream.destroy?.() };
}
