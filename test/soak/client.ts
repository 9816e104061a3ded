import { buttonPressBody } from "../support/button.js";
import { sendSigned, slashCommandBody } from "../support/signed-request.js";
import type { SlackStandIn } from "../support/slack-standin.js";
import { SIGNING_SECRET } from "./world.js";

export type Sent = { status: number; responseId: string; at: number; skew: number };

/**
 * Slack as the bot sees it: signed slash commands and button presses. `skewSeconds` moves the
 * signed timestamp (a clock-skew fault), always inside the 5 minutes Slack allows.
 */
export class SoakClient {
  skewSeconds = 0;
  private n = 0;

  constructor(
    private readonly slack: SlackStandIn,
    private readonly port: () => number,
  ) {}

  private async send(body: string, responseId: string): Promise<Sent> {
    const at = Date.now();
    const skew = this.skewSeconds;
    const timestamp = Math.floor(at / 1000) + skew;
    try {
      const res = await sendSigned(`http://127.0.0.1:${this.port()}`, body, {
        secret: SIGNING_SECRET,
        timestamp,
      });
      await res.text();
      return { status: res.status, responseId, at, skew };
    } catch {
      // The bot is down (killed by a fault): Slack would show the user an error; nothing was acked.
      return { status: 0, responseId, at, skew };
    }
  }

  command(command: string, text: string, user: string, channel: string): Promise<Sent> {
    const responseId = `c${++this.n}`;
    const body = slashCommandBody({
      command,
      text,
      user,
      channel,
      responseUrl: this.slack.responseUrl(responseId),
    });
    return this.send(body, responseId);
  }

  press(action: string, value: string, user: string, channel: string, messageTs: string): Promise<Sent> {
    const responseId = `p${++this.n}`;
    const body = buttonPressBody({
      action,
      value,
      user,
      channel,
      messageTs,
      ephemeral: false,
      responseUrl: this.slack.responseUrl(responseId),
    });
    return this.send(body, responseId);
  }
}
