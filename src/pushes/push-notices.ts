import type { Fleet } from "../fleet/schema.js";
import type { PushEvent } from "../registry/events.js";

/** What the bot does about one push of one project's repository. */
export type PushNotice = {
  project: string;
  image: string;
  tag: string;
  digest: string;
  actor?: string;
  at?: number;
  /** The fleet file's first environment: its channel gets the message. */
  env?: string;
  channel?: string;
  /** The environment of the message's Deploy button; none when autoDeploy deploys there anyway. */
  deployEnv?: string;
  /** Set when the project's `autoDeploy.tags` matches the tag. */
  autoDeploy?: { env: string; channel?: string; pattern: string };
};

/**
 * One notice per push and project whose `image` is the pushed repository (several projects
 * may share an image); pushes of repositories no project uses give none.
 */
export function pushNotices(fleet: Fleet, pushes: readonly PushEvent[]): PushNotice[] {
  const env = Object.keys(fleet.environments)[0];
  const channel = env === undefined ? undefined : fleet.environments[env]?.channel;
  const notices: PushNotice[] = [];
  for (const push of pushes) {
    for (const [project, spec] of Object.entries(fleet.projects)) {
      if (spec.image !== push.repository) continue;
      const auto = spec.autoDeploy;
      const matches = auto !== undefined && new RegExp(auto.tags).test(push.tag);
      const autoChannel = matches ? fleet.environments[auto.env]?.channel : undefined;
      notices.push({
        project,
        image: spec.image,
        ...push,
        ...(env !== undefined ? { env } : {}),
        ...(channel !== undefined ? { channel } : {}),
        ...(env !== undefined && !(matches && auto.env === env) ? { deployEnv: env } : {}),
        ...(matches
          ? {
              autoDeploy: {
                env: auto.env,
                pattern: auto.tags,
                ...(autoChannel ? { channel: autoChannel } : {}),
              },
            }
          : {}),
      });
    }
  }
  return notices;
}

/** What makes a registry retry the same notice: one message per project, tag and digest. */
export function noticeKey(n: Pick<PushNotice, "project" | "tag" | "digest">): string {
  return `${n.project}:${n.tag}:${n.digest}`;
}
