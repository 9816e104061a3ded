import { Redis } from "ioredis";
import { type DeployRecord, DeployStore } from "../../src/deploys/store.js";
import type { Harness } from "./harness.js";
import { blocksText } from "./slack-standin.js";

/** Reads what this harness's bot stored, straight from Redis. */
export function storeOf(h: Harness): { store: DeployStore; redis: Redis } {
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  return { store: new DeployStore(redis, h.prefix), redis };
}

/** Sends /deploy and waits until its record, the newest in the history, shows every host done. */
export async function deployed(
  h: Harness,
  store: DeployStore,
  target: { project: string; env: string },
  text: string,
  timeoutMs = 60_000,
): Promise<DeployRecord> {
  const before = (await store.history(target.project, target.env, 1))[0]?.meta.id;
  const ack = await h.command("/deploy", text);
  if (ack.status !== 200) throw new Error(`/deploy ${text} answered ${ack.status}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const newest = (await store.history(target.project, target.env, 1))[0];
    const done =
      newest &&
      newest.meta.id !== before &&
      newest.meta.hosts.every((host) => ["succeeded", "failed"].includes(newest.hosts[host]?.state ?? ""));
    if (done) return newest;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/deploy ${text} did not finish within ${timeoutMs}ms`);
}

/** Sends a command and returns what the requester saw: the ack's text, else the response_url reply. */
export async function ask(
  h: Harness,
  command: string,
  text: string,
  opts: { user?: string; channel?: string; timeoutMs?: number } = {},
): Promise<{ text: string; visibility: string; ms: number }> {
  const started = Date.now();
  const ack = await h.command(command, text, opts);
  if (ack.status !== 200) throw new Error(`${command} ${text} answered ${ack.status}`);
  if (ack.text) {
    const body = JSON.parse(ack.text) as { text: string; response_type: string };
    return { text: body.text, visibility: body.response_type, ms: Date.now() - started };
  }
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    opts.timeoutMs ?? 30_000,
    `the reply to ${command} ${text}`,
  );
  return {
    text: blocksText(reply.body),
    visibility: String(reply.body.response_type),
    ms: reply.at - started,
  };
}
