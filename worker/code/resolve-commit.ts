import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "../../src/errors.js";
import { fetchSource } from "../build/fetch-source.js";

/** Where a project's code at one commit is fetched to, used, and removed again. */
export async function withCheckout<T>(
  repo: string,
  ref: string,
  use: (dir: string, commit: string) => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "dockops-code-"));
  try {
    const commit = await fetchSource(repo, ref, dir, timeoutMs);
    return await use(dir, commit);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The commit `ref` points to now, fetched the way a deploy fetches it (so a ref that resolves
 * here also deploys), or git's reason as a value: a bad ref is the requester's mistake to show.
 */
export async function resolveCommit(
  repo: string,
  ref: string,
  timeoutMs?: number,
): Promise<{ commit: string } | { error: string }> {
  try {
    return await withCheckout(repo, ref, async (_dir, commit) => ({ commit }), timeoutMs);
  } catch (err) {
    return { error: errorMessage(err) };
  }
}
