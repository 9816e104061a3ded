import type { Logger } from "pino";
import { mapLimit } from "../concurrency.js";
import type { DeployRequest } from "../core/deploy-service.js";
import { foreignText } from "../core/foreign-text.js";
import { MAX_TAGS } from "../core/images-service.js";
import { type Chat, ephemeral, type Reply } from "../core/message.js";
import type { ActionRequest, CommandRequest } from "../core/ops.js";
import type { DeployStore } from "../deploys/store.js";
import { errorMessage } from "../errors.js";
import type { Fleet } from "../fleet/schema.js";
import type { RegistryClient } from "../registry/client.js";
import type { PushEvent } from "../registry/events.js";
import { renderChanges } from "./changes.js";
import type { PushClaims } from "./push-claims.js";
import { noticeKey, type PushNotice, pushNotices } from "./push-notices.js";
import { type PushedImage, renderPush } from "./render-push.js";

/** Who an automatic deploy is requested by, in its message, record and audit trail. */
export const AUTO_DEPLOY_USER = "autoDeploy";

const IN_FLIGHT = 6;

export type PushServiceDeps = {
  fleet: Fleet;
  claims: Pick<PushClaims, "claim" | "release">;
  registry: Pick<RegistryClient, "imageInfo" | "listTags" | "resolveDigest">;
  chat: Chat;
  log: Logger;
  /** Starts a deploy the way every deploy starts (locks, config revision, message, jobs). */
  deploy: (req: DeployRequest) => Promise<Reply | undefined>;
  store: Pick<DeployStore, "history">;
  /** Plans, audits and checks a chat command without running it (`Ops.admitRequest`). */
  admit: (req: CommandRequest) => Promise<{ plan: unknown } | { reply: Reply }>;
};

/** Registry push notifications: a message per new tag of a project, and `autoDeploy`. */
export class PushService {
  constructor(private readonly deps: PushServiceDeps) {}

  /**
   * Announces each push once. Throws when a message could not be posted, after giving its claim
   * back, so the registry's retry posts it; pushes already announced are skipped.
   */
  async receive(pushes: readonly PushEvent[]): Promise<{ announced: number }> {
    let announced = 0;
    for (const notice of pushNotices(this.deps.fleet, pushes)) {
      if (await this.announce(notice)) announced++;
    }
    return { announced };
  }

  private async announce(notice: PushNotice): Promise<boolean> {
    const { claims, registry, chat, log } = this.deps;
    const key = noticeKey(notice);
    if (!(await claims.claim(key))) {
      log.info({ project: notice.project, tag: notice.tag }, "registry push already announced");
      return false;
    }
    // By digest: the registry may notify before it has linked the tag (a read by tag is a 404 then).
    const info = await registry.imageInfo(notice.image, notice.digest).catch((err: unknown) => {
      log.warn({ project: notice.project, tag: notice.tag, err: errorMessage(err) }, "pushed image not read");
      return undefined;
    });
    const tagged = await registry.resolveDigest(notice.image, notice.tag).catch(() => undefined);
    if (tagged && tagged !== notice.digest) {
      // The tag moved on before the notification arrived: the newer push has its own notice.
      log.info({ project: notice.project, tag: notice.tag }, "registry push superseded by a newer one");
      return false;
    }
    const image: PushedImage = {
      ...(info?.size !== undefined ? { size: info.size } : {}),
      ...(info?.created !== undefined ? { created: info.created } : {}),
    };
    if (notice.channel) {
      try {
        await chat.post(notice.channel, renderPush(notice, image));
      } catch (err) {
        await claims.release(key).catch(() => {});
        throw err;
      }
    }
    log.info(
      { project: notice.project, tag: notice.tag, digest: notice.digest, auto: notice.autoDeploy?.env },
      "registry push announced",
    );
    if (notice.autoDeploy) await this.autoDeploy(notice, notice.autoDeploy);
    return true;
  }

  /** The pushed digest, pinned, to every host of the environment; a refusal (a lock) is posted. */
  private async autoDeploy(notice: PushNotice, auto: NonNullable<PushNotice["autoDeploy"]>): Promise<void> {
    const { fleet, chat, log } = this.deps;
    const channel = auto.channel ?? notice.channel ?? "";
    const hosts = fleet.environments[auto.env]?.hosts ?? [];
    try {
      const refusal = await this.deps.deploy({
        project: notice.project,
        env: auto.env,
        image: notice.image,
        tag: notice.tag,
        targets: hosts.map((host) => ({ host, tag: notice.tag, digest: notice.digest })),
        requestedBy: AUTO_DEPLOY_USER,
        channel,
        dryRun: false,
        via: `autoDeploy of a push${notice.actor ? ` by ${foreignText(notice.actor)}` : ""}: the tag matches ${foreignText(auto.pattern)}`,
      });
      if (refusal && channel) {
        await chat.post(channel, {
          text: `:warning: autoDeploy of *${notice.project}:${notice.tag}* to *${auto.env}* did not start: ${refusal.message.text}`,
        });
      }
    } catch (err) {
      log.error({ project: notice.project, env: auto.env, err: errorMessage(err) }, "autoDeploy failed");
    }
  }

  /**
   * The Show changes button (`<project>:<tag> <env>`): checked like `/images <project>` typed by
   * the presser there, then the tags built between what the environment runs and the pushed one.
   */
  async changes(req: ActionRequest): Promise<Reply> {
    const [target = "", env = ""] = req.value.split(" ");
    const [project = "", tag = ""] = target.split(":");
    const spec = this.deps.fleet.projects[project];
    if (!spec || !(env in this.deps.fleet.environments)) {
      return ephemeral("That project or environment is no longer in the fleet file.");
    }
    const channel = req.message?.channel || this.deps.fleet.environments[env]?.channel || "";
    const admitted = await this.deps.admit({ command: "images", text: project, user: req.user, channel });
    if ("reply" in admitted) return admitted.reply;
    const { registry, store } = this.deps;
    const [tags, history] = await Promise.all([
      registry.listTags(spec.image),
      store.history(project, env, 50),
    ]);
    const rows = await mapLimit(tags.slice(0, MAX_TAGS), IN_FLIGHT, (t) =>
      registry.imageInfo(spec.image, t).catch(() => ({ tag: t, digest: "" })),
    );
    const last = history.find((r) => r.meta.hosts.some((h) => r.hosts[h]?.state === "succeeded"));
    const digest = last?.meta.hosts.map((h) => last.hosts[h]).find((s) => s?.state === "succeeded")?.digest;
    const running = last ? { tag: last.meta.tag, ...(digest ? { digest } : {}) } : undefined;
    return ephemeral(renderChanges({ project, env, pushedTag: tag, rows, ...(running ? { running } : {}) }));
  }
}
