import type { SlackStandIn } from "./slack-standin.js";

/**
 * Waits for the first deploy message posted after call number `since` to reach a final state
 * (deployed or failed) and returns its text.
 */
export async function finishedDeployMessage(
  slack: SlackStandIn,
  since: number,
  timeoutMs = 100_000,
): Promise<string> {
  const post = await slack.waitFor(
    () => slack.calls.slice(since).find((c) => c.method === "chat.postMessage"),
    10_000,
    "the deploy message",
  );
  const ts = String(post.args.__ts);
  return slack.waitFor(
    () => {
      const text = slack.messageText(ts);
      return text && /Deployed|failed/.test(text.split("\n")[0] ?? "") ? text : undefined;
    },
    timeoutMs,
    "the deploy to finish",
  );
}
