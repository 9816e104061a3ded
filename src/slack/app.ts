import type { Server } from "node:http";
import { App, type CustomRoute, HTTPReceiver, LogLevel, SocketModeReceiver } from "@slack/bolt";
import type { Logger } from "pino";
import { opsHelp } from "../../commands/index.js";
import { adaptiveLimiter } from "../concurrency.js";
import type { Ops } from "../core/ops.js";
import { errorMessage } from "../errors.js";
import { healthHandler, metricsHandler } from "../http/routes.js";
import { boltLogger } from "./bolt-logger.js";
import { reworded } from "./command-mentions.js";
import { type CommandSet, commandFor, installedCommands } from "./command-set.js";
import { ackOnce, type Deliveries } from "./deliveries.js";
import { openFrontDoor } from "./front-door.js";
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
  /** More routes beside /healthz and /metrics (POST /registry/events). */
  routes?: CustomRoute[];
};

function healthRoute(health: () => Promise<void>): CustomRoute {
  return { path: "/healthz", method: ["GET"], handler: healthHandler(health) };
}

const metricsRoute: CustomRoute = { path: "/metrics", method: ["GET"], handler: metricsHandler };

/** Slack transport only: receivers, request signing, the Web API client. */
export function createSlackApp(opts: SlackOptions): App {
  const logger = boltLogger(opts.log);
  const customRoutes = [healthRoute(opts.health), metricsRoute, ...(opts.routes ?? [])];
  const clientOptions = opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {};
  const receiver = opts.appToken
    ? new SocketModeReceiver({
        appToken: opts.appToken,
        customRoutes,
        // apps.connections.open goes through this client: SLACK_API_URL must reach it too.
        installerOptions: { port: opts.port, clientOptions },
        logger,
      })
    : // Its port is chosen at start: a loopback one behind the front thread (startSlackApp).
      new HTTPReceiver({ signingSecret: opts.signingSecret, customRoutes, logger });
  const app = new App({
    token: opts.botToken,
    receiver,
    logger,
    logLevel: LogLevel.WARN,
    clientOptions,
    // Nothing here keeps conversation state: without the store Bolt skips a lookup per request.
    convoStore: false,
  });
  return app;
}

/** Handles a slash command sent with no text (e.g. `/deploy` opens a modal). */
export type EmptyCommandHandler = (cmd: {
  triggerId: string;
  user: string;
  channel: string;
}) => Promise<void>;

export type CommandListenerOptions = {
  /** The slash commands this installation has; by default `/deploy` and `/ops`. */
  commands: CommandSet;
  /** Handlers for commands sent with no text (`/deploy` opens a modal), by command name. */
  onEmpty?: Record<string, EmptyCommandHandler>;
  deliveries: Deliveries;
  /** Rewrites command mentions into the installed form. */
  word: (text: string) => string;
  /** Commands this bot works on at once after acknowledging them; the rest wait their turn. */
  concurrency?: number;
};

/** Enough to keep a worker and Slack busy; few enough that acks are never queued behind work. */
const COMMAND_CONCURRENCY = 16;

/** Event-loop delay past which the bot lets in fewer commands' work, keeping acks prompt. */
const ACK_LAG_MS = 20;

/** Every listener hands over to the core at once; ack comes first, within Slack's 3 seconds. */
export function registerCommands(app: App, ops: Ops, log: Logger, opts: CommandListenerOptions): void {
  const { commands, onEmpty = {}, deliveries, word } = opts;
  // A burst of commands must not starve the acknowledgements of the next ones: the work they
  // start waits its turn here (answers come later through response_url), acks never do.
  const inTurn = adaptiveLimiter({ max: opts.concurrency ?? COMMAND_CONCURRENCY, lagMs: ACK_LAG_MS }).run;
  app.command(/^\/.+/, async ({ command, ack, respond, body }) => {
    const name = commandFor(commands, command.command);
    if (!name) {
      // The manifest and the bot's SLACK_COMMANDS disagree: say so instead of staying silent.
      const known = installedCommands(commands).map((c) => `\`${c.slash}\``);
      return ack({
        response_type: "ephemeral",
        text: `:x: dockops is set up for ${known.join(" and ")}, not \`${command.command}\`; set SLACK_COMMANDS (and SLACK_COMMAND_PREFIX) to match the app's manifest`,
      });
    }
    const text = command.text ?? "";
    const words = text.trim().split(/\s+/).filter(Boolean);
    // `/deploy` alone, or `/ops deploy` alone through the umbrella.
    const bare =
      words.length === 0 ? name : name === opsHelp.name && words.length === 1 ? words[0] : undefined;
    const empty = bare ? onEmpty[bare.toLowerCase()] : undefined;
    if (bare && empty) {
      if (!(await ackOnce(ack, body, deliveries, log))) return;
      try {
        await empty({ triggerId: command.trigger_id, user: command.user_id, channel: command.channel_id });
      } catch (err) {
        log.error({ command: name, err: errorMessage(err) }, "cannot open the form");
        await respond({
          response_type: "ephemeral",
          text: word(
            `:x: could not open the form (${errorMessage(err)}); type \`/${bare} help\` for the typed form`,
          ),
        });
      }
      return;
    }
    const request = { command: name, text, user: command.user_id, channel: command.channel_id };
    const result = ops.plan(request);
    if (!result.ok) return ack({ response_type: "ephemeral", text: word(result.message) });
    if (result.plan.kind === "help") return ack({ response_type: "ephemeral", text: word(result.plan.text) });
    if (!(await ackOnce(ack, body, deliveries, log))) return;
    const plan = result.plan;
    try {
      const reply = await inTurn(() => ops.execute(plan));
      if (reply) {
        const message = reworded(reply.message, word);
        await respond({
          response_type: reply.visibility,
          text: fallbackText(message),
          blocks: toBlocks(message),
        });
      }
    } catch (err) {
      log.error({ command: name, err: errorMessage(err) }, "command failed");
      await respond({ response_type: "ephemeral", text: `:x: ${errorMessage(err)}` });
    }
  });
}

export type StartedSlackApp = { port?: number; close: () => Promise<void> };

/**
 * Starts the app. Over HTTP, Bolt listens on a loopback port and a front thread serves the
 * public one (see front-door.ts); in Socket Mode the port only serves /healthz and /metrics.
 */
export async function startSlackApp(
  app: App,
  opts: {
    port: number;
    socketMode: boolean;
    onAnswered?: (ms: number) => void;
    /** The front thread stopped on its own: Slack can no longer reach this bot. */
    onLost: (reason: string) => void;
    /** Lets the front thread acknowledge slash commands itself (front-door.ts). */
    signingSecret?: string;
  },
): Promise<StartedSlackApp> {
  if (opts.socketMode) {
    const server = (await app.start()) as unknown;
    const address =
      server && typeof (server as Server).address === "function" ? (server as Server).address() : null;
    return {
      port: address && typeof address === "object" ? address.port : undefined,
      close: async () => {
        await app.stop();
      },
    };
  }
  const inner = (await app.start({ port: 0, host: "127.0.0.1" })) as Server;
  // The front thread closes idle connections after 30 s: the app must keep them longer.
  inner.keepAliveTimeout = 65_000;
  inner.headersTimeout = 66_000;
  const address = inner.address();
  if (!address || typeof address !== "object") throw new Error("the Slack app's server has no port");
  const door = await openFrontDoor({
    port: opts.port,
    upstreamPort: address.port,
    onLost: opts.onLost,
    ...(opts.onAnswered ? { onAnswered: opts.onAnswered } : {}),
    ...(opts.signingSecret ? { signingSecret: opts.signingSecret } : {}),
  }).catch(async (err) => {
    await app.stop();
    throw err;
  });
  return {
    port: door.port,
    close: async () => {
      await door.close();
      await app.stop();
    },
  };
}

/** Buttons: ack at once, then hand the press to the core; its reply goes to the presser only. */
export function registerActions(
  app: App,
  ops: Ops,
  log: Logger,
  opts: Pick<CommandListenerOptions, "deliveries" | "word">,
): void {
  const { deliveries, word } = opts;
  app.action(/.+/, async ({ ack, body, action, respond }) => {
    if (!(await ackOnce(ack, body, deliveries, log))) return;
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
      if (reply) {
        const answer = reworded(reply.message, word);
        await respond({
          response_type: "ephemeral",
          replace_original: false,
          text: fallbackText(answer),
          blocks: toBlocks(answer),
        });
      }
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
