import type { DeployStore } from "../../src/deploys/store.js";
import type { Harness } from "../support/harness.js";

export type BotDeployTimes = {
  /** Until the channel message shows the outcome: what the person who typed /deploy waits for. */
  messageMs: number;
  /** Until the last host's record says succeeded (its `finishedAt`): the bot's work without Slack. */
  recordMs: number;
};

/**
 * `/deploy <project>:<tag> <env> <hosts>` through the real Bolt app, timed until the message is
 * final; throws unless every host succeeded.
 */
export async function timedBotDeploy(
  h: Harness,
  store: DeployStore,
  d: { project: string; tag: string; env: string; hosts: string; channel?: string },
): Promise<BotDeployTimes> {
  const before = h.slack.calls.length;
  const startedAt = Date.now();
  const t0 = performance.now();
  await h.command("/deploy", `${d.project}:${d.tag} ${d.env} ${d.hosts}`, { channel: d.channel });
  const post = await h.slack.waitFor(
    () => h.slack.calls.slice(before).find((x) => x.method === "chat.postMessage"),
    10_000,
    "the deploy message",
  );
  const ts = String(post.args.__ts);
  const text = await h.slack.waitFor(
    () => {
      const t = h.slack.messageText(ts);
      return t && !t.startsWith(":rocket:") ? t : undefined;
    },
    120_000,
    "the final deploy message",
  );
  const messageMs = performance.now() - t0;
  if (!text.startsWith(":white_check_mark:")) throw new Error(`bench deploy did not succeed: ${text}`);
  const [record] = await store.history(d.project, d.env, 1);
  const finished = Object.values(record?.hosts ?? {}).map((s) => s.finishedAt ?? Number.NaN);
  return { messageMs, recordMs: Math.max(...finished) - startedAt };
}
