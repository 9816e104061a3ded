import type { CustomRoute } from "@slack/bolt";
import type { Logger } from "pino";
import type { Directory } from "../core/directory.js";
import type { Chat } from "../core/message.js";
import type { Ops } from "../core/ops.js";
import type { AppEnv } from "../env.js";
import { slackAckDuration } from "../metrics.js";
import {
  createSlackApp,
  type EmptyCommandHandler,
  registerActions,
  registerCommands,
  startSlackApp,
} from "./app.js";
import { installedWording } from "./command-mentions.js";
import { commandSetFromEnv, installedCommands } from "./command-set.js";
import { type Deliveries, MemoryDeliveries } from "./deliveries.js";
import { SlackChat } from "./slack-chat.js";
import { SlackDirectory } from "./slack-directory.js";

export type SlackBot = { chat: Chat; port?: number; close: () => Promise<void> };

export type SlackBotOptions = {
  env: AppEnv;
  log: Logger;
  health: () => Promise<void>;
  /** Builds the core once the adapter's Chat exists. */
  core: (chat: Chat, directory: Directory) => Ops;
  /** Slack-only extras (modals, App Home); returns handlers for commands sent with no text. */
  extras?: (
    app: ReturnType<typeof createSlackApp>,
    ops: Ops,
    deliveries: Deliveries,
    word: (text: string) => string,
  ) => { onEmpty: Record<string, EmptyCommandHandler> };
  /** More HTTP routes beside /healthz and /metrics, served in HTTP and Socket Mode alike. */
  routes?: CustomRoute[];
  /** Which deliveries already ran (Slack redelivers what it saw no ack for); default: this process. */
  deliveries?: Deliveries;
};

/** The Slack adapter: Bolt app, its Chat, listeners; HTTP mode serves /healthz and /metrics too. */
export async function startSlackBot(opts: SlackBotOptions): Promise<SlackBot> {
  const { env, log } = opts;
  const commands = commandSetFromEnv(env);
  const word = installedWording(commands);
  const deliveries = opts.deliveries ?? new MemoryDeliveries();
  const app = createSlackApp({
    signingSecret: env.SLACK_SIGNING_SECRET ?? "",
    botToken: env.SLACK_BOT_TOKEN ?? "",
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
    port: env.PORT,
    log,
    health: opts.health,
    ...(opts.routes ? { routes: opts.routes } : {}),
  });
  const chat = new SlackChat(app.client, word);
  const ops = opts.core(chat, new SlackDirectory(app.client));
  const extras = opts.extras?.(app, ops, deliveries, word);
  registerCommands(app, ops, log, { commands, onEmpty: extras?.onEmpty, deliveries, word });
  registerActions(app, ops, log, { deliveries, word });
  const { port, close } = await startSlackApp(app, {
    port: env.PORT,
    socketMode: Boolean(env.SLACK_APP_TOKEN),
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    onAnswered: (ms) => slackAckDuration.observe(ms / 1000),
    onLost: (reason) => {
      // Nothing answers Slack any more: stop, so the supervisor (Docker, systemd) starts it afresh.
      log.fatal({ reason }, "the bot's HTTP front thread stopped; exiting so that it is restarted");
      process.exit(1);
    },
  });
  const slash = installedCommands(commands).map((c) => c.slash);
  log.info({ port, socketMode: Boolean(env.SLACK_APP_TOKEN), commands: slash }, "bot started");
  return {
    chat,
    port,
    close,
  };
}
