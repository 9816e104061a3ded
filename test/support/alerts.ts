import type Docker from "dockerode";
import { Redis } from "ioredis";
import { pullImage } from "../../src/docker/pull.js";
import { type AlertRecord, AlertStore } from "../../src/monitor/alert-store.js";
import type { Harness } from "./harness.js";
import type { ApiCall } from "./slack-standin.js";
import { blocksText } from "./slack-standin.js";

/** Alert posts (not updates) that mention `project` (or a host, for host alerts). */
export function alertPosts(h: Harness, about: string): ApiCall[] {
  return h.slack.calls.filter(
    (c) =>
      c.method === "chat.postMessage" &&
      blocksText(c.args).startsWith(":rotating_light:") &&
      blocksText(c.args).includes(`*${about}*`),
  );
}

/** The alert id its buttons carry. */
export function alertId(call: ApiCall): string {
  const blocks = call.args.blocks as Array<{ type: string; elements?: Array<{ value?: string }> }>;
  const id = blocks.find((b) => b.type === "actions")?.elements?.[0]?.value;
  if (!id) throw new Error("this alert has no buttons");
  return id;
}

export function ref(call: ApiCall): { channel: string; ts: string } {
  return { channel: String(call.args.channel), ts: String(call.args.__ts) };
}

/** The alert message `ts` once it says it is resolved (all of it, or one of its conditions). */
export function resolvedText(h: Harness, ts: string, timeoutMs = 20_000): Promise<string> {
  return h.slack.waitFor(
    () => {
      const text = h.slack.messageText(ts);
      return text?.includes("Resolved after") ? text : undefined;
    },
    timeoutMs,
    "the alert to be resolved",
  );
}

export async function readAlert(h: Harness, id: string): Promise<AlertRecord | undefined> {
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  try {
    return await new AlertStore(redis, h.prefix).get(id);
  } finally {
    redis.disconnect();
  }
}

/** Pulls an image of the test registry onto a host, for containers a test creates by hand. */
export async function pullTestImage(h: Harness, docker: Docker, image: string): Promise<string> {
  const reference = `${h.fleetEnv.REGISTRY_URL}/${image}`;
  await pullImage(docker, reference, {
    username: h.fleetEnv.REGISTRY_USERNAME,
    password: h.fleetEnv.REGISTRY_PASSWORD,
    serveraddress: h.fleetEnv.REGISTRY_URL,
  });
  return reference;
}

/** A container labelled as the bot labels its own, created without the bot. */
export async function runManaged(
  docker: Docker,
  image: string,
  labels: { project: string; env: string },
  restart = "no",
): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: image,
    Labels: {
      "dockops.managed": "true",
      "dockops.project": labels.project,
      "dockops.env": labels.env,
      "dockops.version": "hand",
      "dockops.digest": "sha256:hand",
    },
    HostConfig: { RestartPolicy: { Name: restart } },
  });
  await container.start();
  return container;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
