import type { KnownBlock } from "@slack/types";
import type { Message } from "../core/message.js";

const SECTION_LIMIT = 2900;

/** Slack blocks for a core message: sections of mrkdwn, then one actions block for its buttons. */
export function toBlocks(message: Message): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let rest = message.text;
  while (rest.length > 0) {
    const chunk =
      rest.length > SECTION_LIMIT
        ? rest.slice(0, rest.lastIndexOf("\n", SECTION_LIMIT) + 1 || SECTION_LIMIT)
        : rest;
    blocks.push({ type: "section", text: { type: "mrkdwn", text: chunk } });
    rest = rest.slice(chunk.length);
  }
  if (message.buttons && message.buttons.length > 0) {
    blocks.push({
      type: "actions",
      elements: message.buttons.map((b) => ({
        type: "button" as const,
        action_id: b.action,
        text: { type: "plain_text" as const, text: b.label },
        value: b.value,
        ...(b.style ? { style: b.style } : {}),
      })),
    });
  }
  return blocks;
}

/** The plain-text fallback Slack shows in notifications: the first line only. */
export function fallbackText(message: Message): string {
  return (message.text.split("\n")[0] ?? "").slice(0, 300);
}
