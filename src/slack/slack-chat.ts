import type { WebClient } from "@slack/web-api";
import type { Chat, Message, MessageRef } from "../core/message.js";
import { reworded } from "./command-mentions.js";
import { fallbackText, toBlocks } from "./render.js";

/** The core's Chat port over Slack's Web API (the WebClient retries 429s as Slack documents). */
export class SlackChat implements Chat {
  constructor(
    private readonly client: WebClient,
    /** Rewrites command mentions into the form the team installed (`/ops status`). */
    private readonly word: (text: string) => string = (text) => text,
  ) {}

  async post(channel: string, said: Message): Promise<MessageRef> {
    const message = reworded(said, this.word);
    const res = await this.client.chat.postMessage({
      channel,
      text: fallbackText(message),
      blocks: toBlocks(message),
    });
    return { channel: res.channel ?? channel, ts: res.ts ?? "" };
  }

  async update(ref: MessageRef, said: Message): Promise<void> {
    const message = reworded(said, this.word);
    await this.client.chat.update({
      channel: ref.channel,
      ts: ref.ts,
      text: fallbackText(message),
      blocks: toBlocks(message),
    });
  }

  /** files.uploadV2: getUploadURLExternal, a POST of the bytes, then completeUploadExternal. */
  async upload(channel: string, filename: string, content: string): Promise<void> {
    await this.client.files.uploadV2({ channel_id: channel, filename, title: filename, content });
  }

  async uploadImage(channel: string, filename: string, png: Uint8Array, title: string): Promise<undefined> {
    await this.client.files.uploadV2({ channel_id: channel, filename, title, file: Buffer.from(png) });
    return undefined;
  }
}
