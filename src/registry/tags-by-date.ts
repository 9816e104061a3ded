import { mapLimit } from "../concurrency.js";
import type { RegistryClient } from "./client.js";

const IN_FLIGHT = 6;

/**
 * Tags ordered by their image's build time, newest first. Tags whose time cannot be read keep
 * the `fallback` order after the dated ones; if reading takes longer than `budgetMs` (a Slack
 * trigger expires in 3 s), the fallback order is returned as it is.
 */
export async function tagsByDate(
  registry: Pick<RegistryClient, "imageInfo">,
  repository: string,
  fallback: readonly string[],
  budgetMs: number,
): Promise<string[]> {
  const read = mapLimit(fallback, IN_FLIGHT, async (tag) => ({
    tag,
    created: (await registry.imageInfo(repository, tag).catch(() => undefined))?.created,
  }));
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), budgetMs).unref());
  const dated = await Promise.race([read, timeout]);
  if (!dated) return [...fallback];
  const rank = new Map(fallback.map((t, i) => [t, i]));
  return [...dated]
    .sort((a, b) => {
      if (a.created !== undefined && b.created !== undefined && a.created !== b.created) {
        return b.created - a.created;
      }
      if ((a.created === undefined) !== (b.created === undefined)) return a.created === undefined ? 1 : -1;
      return (rank.get(a.tag) ?? 0) - (rank.get(b.tag) ?? 0);
    })
    .map((d) => d.tag);
}
