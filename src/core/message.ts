/**
 * Adapter-neutral chat output. Text uses Slack's mrkdwn subset (*bold*, `code`, <@USER>);
 * the shell adapter renders the same markup as plain text.
 */
export type Button = { action: string; label: string; value: string; style?: "primary" | "danger" };
/**
 * `progress` marks a message that tracks work (a deploy): "running" until it ends. Slack ignores
 * it; the shell's `--once` waits until every message it posted has left "running".
 */
export type Progress = "running" | "succeeded" | "failed";
export type Message = { text: string; buttons?: Button[]; progress?: Progress };
export type MessageRef = { channel: string; ts: string };

/** The one thing the core needs from a chat adapter. */
export interface Chat {
  post(channel: string, message: Message): Promise<MessageRef>;
  update(ref: MessageRef, message: Message): Promise<void>;
  /** Shares a text file in the channel (long logs); the content is already masked. */
  upload(channel: string, filename: string, content: string): Promise<void>;
  /** Shares an image (a chart) in the channel; returns where a terminal user finds it, if anywhere. */
  uploadImage(channel: string, filename: string, png: Uint8Array, title: string): Promise<string | undefined>;
}

export type Reply = { visibility: "ephemeral" | "in_channel"; message: Message };

export const ephemeral = (text: string): Reply => ({ visibility: "ephemeral", message: { text } });
