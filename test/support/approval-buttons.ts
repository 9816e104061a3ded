import { expect } from "vitest";
import type { Harness } from "./harness.js";

/** The request id an approval message carries in its buttons. */
export function approvalRequestId(h: Harness, ts: string): string {
  const post = h.slack.calls.find((c) => c.method === "chat.postMessage" && c.args.__ts === ts);
  const blocks = post?.args.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>;
  return blocks.find((b) => b.type === "actions")?.elements?.[0]?.value ?? "";
}

/** Presses Approve or Reject; returns the presser's ephemeral answer, if one comes within `ms`. */
export async function pressApproval(
  h: Harness,
  ts: string,
  action: "approve" | "reject",
  user: string,
  ms: number,
): Promise<string | undefined> {
  const res = await h.press(`approval:${action}`, approvalRequestId(h, ts), { user, messageTs: ts });
  expect(res.status).toBe(200);
  return h.slack
    .waitFor(() => h.slack.responses.find((r) => r.id === res.responseId), ms, "the answer")
    .then((r) => String(r.body.text))
    .catch(() => undefined);
}
