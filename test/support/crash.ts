import type { Harness } from "./harness.js";
import { type Spawned, spawnRole, waitForOutput } from "./processes.js";

/** A short job lock, so a killed worker's job is taken over within seconds. */
const LOCK_MS = "3000";

/** A worker process of this harness (`env` e.g. slows it down), started and ready. */
export async function startWorker(h: Harness, env: Record<string, string> = {}): Promise<Spawned> {
  const w = spawnRole(h, "worker", { WORKER_LOCK_MS: LOCK_MS, ...env });
  await waitForOutput(w, "worker started");
  return w;
}

/** Sends /deploy and returns the ts of the deploy message it posts. */
export async function deployMessage(h: Harness, text: string): Promise<string> {
  const before = h.slack.calls.length;
  await h.command("/deploy", text);
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
    10_000,
    "deploy message",
  );
  return String(post.args.__ts);
}

/** The message's text once it shows a final outcome. */
export async function finalText(h: Harness, ts: string): Promise<string> {
  return h.slack.waitFor(
    () => {
      const text = h.slack.messageText(ts);
      return text && /^:(white_check_mark|x|warning):/.test(text) ? text : undefined;
    },
    90_000,
    "the deploy to finish",
  );
}
