import { z } from "zod";
import { planned, type Result, usage } from "../../commands/result.js";
import { DIGEST_PATTERN, REPOSITORY_PATTERN, TAG_PATTERN } from "../names.js";

/** Manifest media types: a push of one of these (with a tag) is a new image version. */
const MANIFEST_TYPES = new Set([
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
]);

/**
 * One event of Distribution's notification envelope (docs/notifications.md of distribution):
 * only the fields dockops reads, the rest passes unchecked. Blob pushes, pulls and deletes have
 * the same shape and are filtered out later.
 */
const eventSchema = z.object({
  id: z.string().max(200),
  timestamp: z.string().max(100),
  action: z.string().max(40),
  target: z.object({
    mediaType: z.string().max(200).optional(),
    digest: z.string().max(200).optional(),
    repository: z.string().max(300),
    tag: z.string().max(200).optional(),
  }),
  actor: z.object({ name: z.string().max(200).optional() }).optional(),
});

const envelopeSchema = z.object({ events: z.array(eventSchema).max(1_000) });

/** A tagged manifest push, checked: the names are safe to put in chat and Redis keys. */
export type PushEvent = {
  repository: string;
  tag: string;
  digest: string;
  /** The registry user who pushed (basic auth or token subject), when the registry knows. */
  actor?: string;
  /** When the registry stored it, epoch ms. */
  at?: number;
};

/**
 * The tagged manifest pushes in a notification body; everything else in it (blob pushes,
 * pulls, deletes, pushes by digest) is no news for a channel. A body that is not an envelope
 * is a usage value naming what is wrong.
 */
export function pushEvents(body: unknown): Result<PushEvent[]> {
  const parsed = envelopeSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return usage(
      `not a registry notification envelope: ${issue?.path.join(".") || "body"}: ${issue?.message}`,
    );
  }
  const pushes: PushEvent[] = [];
  for (const event of parsed.data.events) {
    const { target } = event;
    if (event.action !== "push" || !MANIFEST_TYPES.has(target.mediaType ?? "")) continue;
    if (!target.tag || !TAG_PATTERN.test(target.tag)) continue;
    if (!target.digest || !DIGEST_PATTERN.test(target.digest)) continue;
    if (!REPOSITORY_PATTERN.test(target.repository)) continue;
    const at = Date.parse(event.timestamp);
    pushes.push({
      repository: target.repository,
      tag: target.tag,
      digest: target.digest,
      ...(event.actor?.name ? { actor: event.actor.name } : {}),
      ...(Number.isFinite(at) ? { at } : {}),
    });
  }
  return planned(pushes);
}
