import type { Redis } from "ioredis";
import { z } from "zod";
import { confirmReplicated, markWrites, NotReplicatedError } from "../queue/replicas.js";
import { CHANGE_SCRIPT } from "./change-script.js";

/** A stored value: clear text, or (`s: true`) the AES-256-GCM ciphertext of a secret. */
export type StoredEntry = { v: string; s?: true };

const entrySchema = z.object({ v: z.string(), s: z.literal(true).optional() });

const revisionSchema = z.object({
  rev: z.number().int().min(1),
  by: z.string(),
  at: z.number(),
  op: z.enum(["set", "unset", "revert"]),
  // Lua's cjson writes an empty table as {}; a revision always changes at least one key.
  changed: z.array(z.string()),
  revertedTo: z.number().int().optional(),
  entries: z.record(z.string(), entrySchema),
});
export type ConfigRevision = z.infer<typeof revisionSchema>;

export type ChangeOutcome =
  | { status: "ok"; revision: number }
  | { status: "unchanged"; revision: number }
  | { status: "missing"; revision: number }
  | { status: "moved"; revision: number }
  | { status: "secret"; key: string };

export type ConfigChange =
  | { op: "set"; entries: Record<string, StoredEntry> }
  | { op: "unset"; keys: string[] }
  | { op: "revert"; revision: number };

/**
 * Versioned config of each project and environment, in one Redis hash: `head` and one full
 * snapshot per revision (`r1`, `r2`, ...). Revisions are never changed or deleted, so a deploy
 * pinned to a revision and a revert always find it. Secrets arrive here already encrypted.
 */
export class ConfigStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  key(project: string, env: string): string {
    return `${this.prefix}:config:${project}:${env}`;
  }

  /** `onRevision`: apply only if the head is still this revision (an approved change). */
  async change(
    project: string,
    env: string,
    change: ConfigChange,
    by: string,
    onRevision?: number,
  ): Promise<ChangeOutcome> {
    const { op, ...payload } = change;
    const mark = markWrites(this.redis);
    const [status, detail] = (await this.redis.eval(
      CHANGE_SCRIPT,
      1,
      this.key(project, env),
      op,
      JSON.stringify(payload),
      by,
      String(Date.now()),
      onRevision === undefined ? "" : String(onRevision),
    )) as [string, string];
    if (status === "secret") return { status, key: detail };
    if (status === "ok") {
      // A deploy pins the head revision: one acknowledged here must survive a failover.
      const replicated = await confirmReplicated(this.redis, mark);
      if (!replicated.ok) throw new NotReplicatedError(`config r${detail} of ${project}/${env}`, replicated);
    }
    if (status === "ok" || status === "unchanged" || status === "missing" || status === "moved") {
      return { status, revision: Number(detail) };
    }
    throw new Error(`unexpected answer from the config script: ${status}`);
  }

  /** The latest revision number; 0 when nothing was ever stored. */
  async head(project: string, env: string): Promise<number> {
    return Number((await this.redis.hget(this.key(project, env), "head")) ?? 0);
  }

  /** A revision (the latest by default); undefined for revision 0 or one that does not exist. */
  async revision(project: string, env: string, rev?: number): Promise<ConfigRevision | undefined> {
    const key = this.key(project, env);
    const n = rev ?? Number((await this.redis.hget(key, "head")) ?? 0);
    if (n <= 0) return undefined;
    const raw = await this.redis.hget(key, `r${n}`);
    return raw ? parseRevision(raw) : undefined;
  }

  /** The newest `count` revisions, newest first. */
  async history(project: string, env: string, count = 10): Promise<ConfigRevision[]> {
    const head = await this.head(project, env);
    const fields = Array.from({ length: Math.min(count, head) }, (_, i) => `r${head - i}`);
    if (fields.length === 0) return [];
    const raws = await this.redis.hmget(this.key(project, env), ...fields);
    return raws.filter((r): r is string => r !== null).map(parseRevision);
  }
}

function parseRevision(raw: string): ConfigRevision {
  const data = JSON.parse(raw) as Record<string, unknown>;
  return revisionSchema.parse({ ...data, changed: Array.isArray(data.changed) ? data.changed : [] });
}
