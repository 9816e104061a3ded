import { randomBytes } from "node:crypto";

export type ButtonPress = {
  action: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  responseUrl: string;
  /** Whether the button sits on an ephemeral message (default) or on a channel message. */
  ephemeral?: boolean;
};

/** The `block_actions` payload Slack sends when someone presses a button. */
export function buttonPressPayload(press: ButtonPress): Record<string, unknown> {
  return {
    type: "block_actions",
    user: { id: press.user, username: press.user.toLowerCase(), team_id: "T1" },
    api_app_id: "A1",
    token: "deprecated-verification-token",
    container: {
      type: "message",
      message_ts: press.messageTs,
      channel_id: press.channel,
      is_ephemeral: press.ephemeral ?? true,
    },
    trigger_id: `${Date.now()}.${randomBytes(4).toString("hex")}`,
    team: { id: "T1", domain: "test" },
    channel: { id: press.channel, name: "ops" },
    message: { type: "message", ts: press.messageTs, text: "", user: "UBOT" },
    response_url: press.responseUrl,
    actions: [
      {
        type: "button",
        action_id: press.action,
        block_id: "b1",
        text: { type: "plain_text", text: "button" },
        value: press.value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}

/** The form body Slack POSTs when someone presses a button. */
export function buttonPressBody(press: ButtonPress): string {
  return new URLSearchParams({ payload: JSON.stringify(buttonPressPayload(press)) }).toString();
}
