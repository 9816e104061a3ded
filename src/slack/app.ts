import type { Server } from "node:http";
import { App, type CustomRoute, HTTPReceiver, LogLevel, SocketModeReceiver } from "@slack/bolt";
import type { Logger } from "pino";
import { SLASH_COMMANDS } from "../../commands/index.js";
import type { Ops } from "../core/ops.js";
import { errorMessage } from "../errors.js";
import { healthHandler, metricsHandler } from "../http/routes.js";
import { boltLogger } from "./bolt-logger.js";
import { fallbackText, toBlocks } from "./render.js";

export type SlackOptions = {
  signingSecret: string;
  botToken: string;
  appToken?: string;
  apiUrl?: string;
  port: number;
  log: Logger;
  /** Answers GET /healthz: resolves when the bot's dependencies (Redis) answer. */
  health: () => Promise<void>;
};

function healthRoute(health: () => Promise<void>): CustomRoute {
  return { path: "/healthz", method: ["GET"], handler: healthHandler(health) };
}

const metricsRoute: CustomRoute = { path: "/metrics", method: ["GET"], handler: metricsHandler };

/** Slack transport only: receivers, request signing, the Web API client. */
export function createSlackApp(opts: SlackOptions): App {
  const logger = boltLogger(opts.log);
  const customRoutes = [healthRoute(opts.health), metricsRoute];
  const receiver = opts.appToken
    ? new SocketModeReceiver({
        appToken: opts.appToken,
        customRoutes,
        installerOptions: { port: opts.port },
        logger,
      })
    : new HTTPReceiver({ signingSecret: opts.signingSecret, port: opts.port, customRoutes, logger });
  const app = new App({
    token: opts.botToken,
    receiver,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions: opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {},
  });
  return app;
}

/** Handles a slash command sent with no text (e.g. `/deploy` opens a modal). */
export type EmptyCommandHandler = (cmd: {
  triggerId: string;
  user: string;
  channel: string;
}) => Promise<void>;

/** Every listener hands over to the core at once; ack comes first, within Slack's 3 seconds. */
export function registerCommands(
  app: App,
  ops: Ops,
  log: Logger,
  onEmpty: Record<string, EmptyCommandHandler> = {},
): void {
  for (const name of SLASH_COMMANDS) {
    app.command(`/${name}`, async ({ command, ack, respond }) => {
      const empty = onEmpty[name];
      if (empty && (command.text ?? "").trim() === "") {
        await ack();
        try {
          await empty({ triggerId: command.trigger_id, user: command.user_id, channel: command.channel_id });
        } catch (err) {
          log.error({ command: name, err: errorMessage(err) }, "cannot open the form");
          await respond({
            response_type: "ephemeral",
            text: `:x: could not open the form (${errorMessage(err)}); type \`/${name} help\` for the typed form`,
          });
        }
        return;
      }
      const request = {
        command: name,
        text: command.text ?? "",
        user: command.user_id,
        channel: command.channel_id,
      };
      const result = ops.plan(request);
      if (!result.ok) return ack({ response_type: "ephemeral", text: result.message });
      if (result.plan.kind === "help") return ack({ response_type: "ephemeral", text: result.plan.text });
      await ack();
      try {
        const reply = await ops.execute(result.plan);
        if (reply) {
          await respond({
            response_type: reply.visibility,
            text: fallbackText(reply.message),
            blocks: toBlocks(reply.message),
          });
        }
      } catch (err) {
        log.error({ command: name, err: errorMessage(err) }, "command failed");
        await respond({ response_type: "ephemeral", text: `:x: ${errorMessage(err)}` });
      }
    });
  }
}

export async function startSlackApp(app: App): Promise<Server | undefined> {
  const server = (await app.start()) as unknown;
  return server && typeof (server as Server).address === "function" ? (server as Server) : undefined;
}

/** Buttons: ack at once, then hand the press to the core; its reply goes to the presser only. */
export function registerActions(app: App, ops: Ops, log: Logger): void {
  app.action(/.+/, async ({ ack, body, action, respond }) => {
    await ack();
    if (body.type !== "block_actions" || action.type !== "button" || !("action_id" in action)) return;
    const message = body.container?.message_ts
      ? {
          channel: String(body.container.channel_id ?? body.channel?.id ?? ""),
          ts: String(body.container.message_ts),
        }
      : undefined;
    try {
      const reply = await ops.act({
        action: action.action_id,
        value: action.value ?? "",
        user: body.user.id,
        message,
      });
      if (reply)
        await respond({
          response_type: "ephemeral",
          replace_original: false,
          text: fallbackText(reply.message),
          blocks: toBlocks(reply.message),
        });
    } catch (err) {
      log.error({ action: action.action_id, err: errorMessage(err) }, "action failed");
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: `:x: ${errorMessage(err)}`,
      });
    }
  });
}
