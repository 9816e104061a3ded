import type { App } from "@slack/bolt";
import type { Logger } from "pino";
import { latestDeploys, renderHome } from "../core/home.js";
import type { Ops } from "../core/ops.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { RegistryClient } from "../registry/client.js";
import { tagsByDate } from "../registry/tags-by-date.js";
import type { EmptyCommandHandler } from "./app.js";
import { reworded } from "./command-mentions.js";
import { ackOnce, type Deliveries } from "./deliveries.js";
import { DEPLOY_MODAL, deployModal, modalToCommand, newestFirst, type ProjectTags } from "./deploy-modal.js";
import { fallbackText, toBlocks } from "./render.js";

export type ExtrasDeps = {
  /** The fleet in force at each use (a changed fleet file applies without a restart). */
  fleet: () => Fleet;
  registry: () => RegistryClient;
  store: DeployStore;
  log: Logger;
  /** A submission Slack delivers again (its ack was lost) must not deploy twice. */
  deliveries: Deliveries;
  /** Rewrites command mentions into the installed form. */
  word: (text: string) => string;
};

/** The modal offers at most this many tags per project (Slack allows 100 options in all). */
const MAX_MODAL_TAGS = 25;

/** Slack only: the /deploy modal and the App Home tab. Returns the hooks for empty commands. */
export function registerSlackExtras(
  app: App,
  ops: Ops,
  deps: ExtrasDeps,
): { onEmpty: Record<string, EmptyCommandHandler> } {
  const { store, log, deliveries, word } = deps;

  const openDeployModal: EmptyCommandHandler = async ({ triggerId, channel }) => {
    // The trigger expires 3 s after the command: a slow registry falls back to a free-text tag,
    // and tags whose build times are not read in time keep their version order.
    const started = Date.now();
    const fleet = deps.fleet();
    const registry = deps.registry();
    const tags: ProjectTags = {};
    await Promise.all(
      Object.entries(fleet.projects).map(async ([name, p]) => {
        const listed = await withTimeout(registry.listTags(p.image), 1_500).catch((err) => {
          log.warn({ project: name, err: errorMessage(err) }, "cannot list tags for the deploy modal");
          return undefined;
        });
        if (!listed) return;
        const byVersion = newestFirst(listed).slice(0, MAX_MODAL_TAGS);
        tags[name] = await tagsByDate(
          registry,
          p.image,
          byVersion,
          Math.max(0, 2_000 - (Date.now() - started)),
        );
      }),
    );
    await app.client.views.open({ trigger_id: triggerId, view: deployModal(fleet, tags, channel) });
  };

  app.view(DEPLOY_MODAL, async ({ ack, body, view }) => {
    const parsed = modalToCommand(view.state.values as Parameters<typeof modalToCommand>[0]);
    if (!parsed.ok)
      return void (await ack({ response_action: "errors", errors: { [parsed.block]: parsed.message } }));
    const channel =
      (JSON.parse(view.private_metadata || "{}") as { channel?: string }).channel ?? body.user.id;
    const result = ops.plan({ command: "deploy", text: parsed.text, user: body.user.id, channel });
    if (!result.ok) {
      const why = (word(result.message).split("\n")[0] ?? "").slice(0, 150);
      return void (await ack({ response_action: "errors", errors: { [blockFor(why)]: why } }));
    }
    if (!(await ackOnce(ack, body, deliveries, log))) return;
    try {
      const reply = await ops.execute(result.plan);
      if (reply) {
        const message = reworded(reply.message, word);
        await app.client.chat.postEphemeral({
          channel,
          user: body.user.id,
          text: fallbackText(message),
          blocks: toBlocks(message),
        });
      }
    } catch (err) {
      log.error({ err: errorMessage(err) }, "deploy from the modal failed");
    }
  });

  app.event("app_home_opened", async ({ event }) => {
    if (event.tab !== "home") return;
    try {
      // The Home tab is no channel: environments limited to channels are not shown there.
      const envs = await ops.visibleEnvs("home", event.user, "");
      const fleet = deps.fleet();
      const home = reworded(
        renderHome(fleet, await latestDeploys(store, fleet, 10, envs), Date.now(), envs),
        word,
      );
      await app.client.views.publish({ user_id: event.user, view: { type: "home", blocks: toBlocks(home) } });
    } catch (err) {
      log.warn({ err: errorMessage(err) }, "cannot publish the App Home");
    }
  });

  return { onEmpty: { deploy: openDeployModal } };
}

/** Shows a usage message under the picker it is about. */
function blockFor(message: string): string {
  if (/\bhost\b/.test(message)) return "host";
  if (/\benvironment\b/.test(message)) return "env";
  if (/\btag\b/.test(message)) return "tag";
  return "project";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms}ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
