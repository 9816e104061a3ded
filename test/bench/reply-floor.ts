import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import { SIGNING_SECRET } from "../support/harness.js";
import { freePort } from "../support/names.js";
import { slashCommandFields } from "../support/signed-request.js";
import type { SlackStandIn } from "../support/slack-standin.js";
import { httpDoor } from "../support/slack-transport.js";

/**
 * The least any Slack bot answering at a response_url spends: a bare Bolt app, same library and
 * receiver as the bot, that acks and posts a fixed reply. It reads nothing, so its time is the
 * signed request, the ack and the POST alone: the part of a read's time no bot can save.
 */
export async function startReplyFloor(slack: SlackStandIn) {
  const port = await freePort();
  const app = new App({
    token: "xoxb-floor",
    receiver: new HTTPReceiver({ signingSecret: SIGNING_SECRET, port }),
    logLevel: LogLevel.ERROR,
    convoStore: false,
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  app.command(/.+/, async ({ ack, respond }) => {
    await ack();
    await respond({ response_type: "ephemeral", text: "floor" });
  });
  await app.start();
  const door = httpDoor(`http://127.0.0.1:${port}`, SIGNING_SECRET);
  let n = 0;
  return {
    /** Milliseconds from the signed command to the reply at the stand-in. */
    time: async (): Promise<number> => {
      const id = `floor-${++n}`;
      const t0 = Date.now();
      const fields = { command: "/history", text: "", user: "UBENCH", channel: "CBENCH" };
      const ack = await door.command(slashCommandFields({ ...fields, responseUrl: slack.responseUrl(id) }));
      if (ack.status !== 200) throw new Error(`the bare app answered HTTP ${ack.status}`);
      const reply = await slack.waitFor(
        () => slack.responses.find((r) => r.id === id),
        10_000,
        "the bare app's reply",
      );
      return reply.at - t0;
    },
    close: () => app.stop(),
  };
}
