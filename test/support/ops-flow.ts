import { Redis } from "ioredis";
import { expect } from "vitest";
import type { Harness } from "./harness.js";
import { blocksText } from "./slack-standin.js";

type Who = { user?: string; channel?: string };

/**
 * Sends a command that posts a deploy message (deploy, rollback, promote, scale) and waits for
 * that message to reach a final state; returns its text.
 */
export async function runToEnd(
  h: Harness,
  command: string,
  text: string,
  who: Who & { posted?: string } = {},
): Promise<string> {
  const before = h.slack.calls.length;
  const ack = await h.command(command, text, who);
  expect(ack.status).toBe(200);
  const post = await h.slack.waitFor(
    () =>
      // Commands sent at once need `posted` (text of their own message) to tell the posts apart.
      h.slack.calls
        .slice(before)
        .find((c) => c.method === "chat.postMessage" && blocksText(c.args).includes(who.posted ?? "")) ??
      h.slack.responses.find((r) => r.id === ack.responseId),
    20_000,
    `the message of ${command} ${text}`,
  );
  if (!("method" in post)) throw new Error(`${command} ${text} answered instead: ${String(post.body.text)}`);
  const ts = String(post.args.__ts);
  return h.slack.waitFor(
    () => {
      const body = h.slack.messageText(ts);
      return body && /Deployed|failed/.test(body.split("\n")[0] ?? "") ? body : undefined;
    },
    100_000,
    `${command} ${text} to finish`,
  );
}

/** The answer only the requester sees: the ack's own text (usage) or the response_url reply. */
export async function replyTo(
  h: Harness,
  command: string,
  text: string,
  who: Who = {},
  timeoutMs = 30_000,
): Promise<{ text: string; visibility: string }> {
  const ack = await h.command(command, text, who);
  expect(ack.status).toBe(200);
  if (ack.text.trim() !== "") {
    const body = JSON.parse(ack.text) as { text: string; response_type: string };
    return { text: body.text, visibility: body.response_type };
  }
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    timeoutMs,
    `the reply to ${command} ${text}`,
  );
  return { text: blocksText(reply.body), visibility: String(reply.body.response_type) };
}

/** Jobs, deploy records, history and locks this harness stored, by kind. */
export async function storedWork(
  h: Harness,
): Promise<{ jobs: string[]; deploys: string[]; waiting: number }> {
  const redis = new Redis(h.fleetEnv.REDIS_URL as string);
  try {
    const [jobs, deploys, waiting] = await Promise.all([
      redis.keys(`${h.prefix}:dockops-jobs:*-*`),
      redis.keys(`${h.prefix}:deploy:*`),
      redis.llen(`${h.prefix}:dockops-jobs:wait`),
    ]);
    return { jobs: jobs.filter((k) => /:(deploy|exec)-/.test(k)).sort(), deploys: deploys.sort(), waiting };
  } finally {
    redis.disconnect();
  }
}

/**
 * The answer to a command that is answered without work (usage, help): over HTTP the front
 * thread acknowledges with an empty 200 and the answer arrives at the response_url; in Socket
 * Mode it is the ack's own body.
 */
export async function firstAnswer(
  h: Harness,
  ack: { text: string; responseId: string },
): Promise<{ text: string; response_type: string }> {
  if (ack.text.trim() !== "") return JSON.parse(ack.text) as { text: string; response_type: string };
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    10_000,
    "the answer at the response_url",
  );
  return { text: String(reply.body.text), response_type: String(reply.body.response_type) };
}
