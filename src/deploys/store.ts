import type { Redis } from "ioredis";
import { z } from "zod";
import { confirmReplicated, markWrites } from "../queue/replicas.js";

const metaSchema = z.object({
  id: z.string(),
  project: z.string(),
  env: z.string(),
  tag: z.string(),
  hosts: z.array(z.string()),
  requestedBy: z.string(),
  channel: z.string(),
  createdAt: z.number(),
  /** Set when the deploy ran after an approval; the deploy message then replaces the request. */
  approvedBy: z.string().optional(),
  message: z.object({ channel: z.string(), ts: z.string() }).optional(),
  /** The stored config revision the deploy runs with (0: fleet file defaults only). */
  configRevision: z.number().int().min(0).optional(),
  /** A project with `code`: the git ref asked for and the commit every host mounts. */
  ref: z.string().optional(),
  commit: z.string().optional(),
  /** Why this deploy exists when it is not a plain `/deploy`: "rollback to v1 (abc…)", "promote from beta". */
  via: z.string().optional(),
  /** A deploy to the environment's hosts in batches (its `rollout`), one batch after another. */
  rollout: z
    .object({
      batches: z.array(z.array(z.string()).min(1)).min(2),
      pauseMs: z.number().int().min(0),
      onFailure: z.enum(["stop", "rollback"]),
    })
    .optional(),
  /** A rollback the worker started when a batch of this rollout failed: its message is the rollout's. */
  rollbackOf: z.string().optional(),
});
export type DeployMeta = z.infer<typeof metaSchema>;

const hostStatusSchema = z.object({
  state: z.enum(["queued", "running", "retrying", "succeeded", "failed", "superseded"]),
  step: z.string().optional(),
  digest: z.string().optional(),
  /** The code commit the host's containers mount (a project with `code`); `/rollback` pins it again. */
  commit: z.string().optional(),
  containerName: z.string().optional(),
  /** Containers this deploy stopped, so a retry after a crash can put them back. */
  previous: z.array(z.string()).optional(),
  /** What went wrong, as Docker, the registry or the worker said it: foreign text, shown escaped. */
  error: z.string().optional(),
  /** Who cancelled the job before it ran: kept apart from `error`, which chat shows escaped. */
  cancelledBy: z.string().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** The config revision the deploy ran with, when config is stored; `/rollback` pins it again. */
  configRevision: z.number().int().min(0).optional(),
  /** Containers the deploy left running on this host (replicas). */
  replicas: z.number().int().min(0).optional(),
  /** When the deployed image was built (its `Created`), for the delivery report's lead time. */
  imageCreatedAt: z.number().optional(),
  /** Its new containers passed every check and were accepted: a re-attempt finishes the swap. */
  accepted: z.boolean().optional(),
  /** The newer deploy of the same project+env+host that made this one unnecessary before it began. */
  supersededBy: z.object({ deployId: z.string(), tag: z.string() }).optional(),
  /** In a rollout: the host has no job yet; it gets one when this batch (1-based) has succeeded. */
  waitsFor: z.number().int().min(1).optional(),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;

/** States after which nothing more happens to a deploy on a host. */
export function isFinal(state: HostStatus["state"]): boolean {
  return state === "succeeded" || state === "failed" || state === "superseded";
}

export type DeployRecord = {
  meta: DeployMeta;
  hosts: Record<string, HostStatus>;
  /** The rollback a failed rollout started (see rollout-advance.ts). */
  rollbackId?: string;
};

/** The Redis hash of one deploy. */
export function deployKey(prefix: string, id: string): string {
  return `${prefix}:deploy:${id}`;
}

/** The hash field that links a failed rollout to the rollback it started. */
export const ROLLBACK_FIELD = "rolled-back-by";

const RETENTION_SECONDS = 90 * 24 * 3600;
const HISTORY_LENGTH = 200;

/**
 * One Redis hash per deploy: `meta` written by the bot, one `host:<name>` field per host written
 * by the worker that runs it. Field-level writes mean workers never overwrite each other.
 */
export class DeployStore {
  /** Set once this process has added the lists written before `history-lists` existed. */
  private listsComplete = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  private key(id: string): string {
    return deployKey(this.prefix, id);
  }

  /** Every history list's key, so finding them takes no scan of the whole keyspace. */
  private get listsKey(): string {
    return `${this.prefix}:history-lists`;
  }

  /** Stores a new deploy, every host queued (or, in a rollout, waiting as `initial` says). */
  async create(meta: DeployMeta, initial: Record<string, HostStatus> = {}): Promise<void> {
    const hosts = Object.fromEntries(
      meta.hosts.map((h) => [
        `host:${h}`,
        JSON.stringify(hostStatusSchema.parse(initial[h] ?? ({ state: "queued" } satisfies HostStatus))),
      ]),
    );
    await this.redis
      .multi()
      .hset(this.key(meta.id), { meta: JSON.stringify(meta), ...hosts })
      .expire(this.key(meta.id), RETENTION_SECONDS)
      .lpush(`${this.prefix}:history:${meta.project}:${meta.env}`, meta.id)
      .ltrim(`${this.prefix}:history:${meta.project}:${meta.env}`, 0, HISTORY_LENGTH - 1)
      .sadd(this.listsKey, `${this.prefix}:history:${meta.project}:${meta.env}`)
      .exec();
  }

  async setMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    const record = await this.get(id);
    if (!record) return;
    await this.redis.hset(this.key(id), "meta", JSON.stringify({ ...record.meta, message }));
  }

  async setHost(id: string, host: string, status: HostStatus): Promise<void> {
    const value = JSON.stringify(hostStatusSchema.parse(status));
    const final = status.state === "succeeded" || status.state === "failed" || status.state === "superseded";
    // A worker whose job completion is lost in a failover runs the job again, and only a final
    // state that survived tells the second run not to deploy twice. Writing it again on the
    // (new) connection is safe; past that the job goes on, nothing better can be done here.
    for (let attempt = 0; attempt < (final ? 2 : 1); attempt++) {
      const mark = markWrites(this.redis);
      await this.redis.hset(this.key(id), `host:${host}`, value);
      if (!final || (await confirmReplicated(this.redis, mark)).ok) return;
    }
  }

  async getHost(id: string, host: string): Promise<HostStatus | undefined> {
    const raw = await this.redis.hget(this.key(id), `host:${host}`);
    return raw ? hostStatusSchema.parse(JSON.parse(raw)) : undefined;
  }

  async get(id: string): Promise<DeployRecord | undefined> {
    const fields = await this.redis.hgetall(this.key(id));
    if (!fields.meta) return undefined;
    const hosts: Record<string, HostStatus> = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith("host:")) hosts[field.slice(5)] = hostStatusSchema.parse(JSON.parse(value));
    }
    const rollbackId = fields[ROLLBACK_FIELD];
    return { meta: metaSchema.parse(JSON.parse(fields.meta)), hosts, ...(rollbackId ? { rollbackId } : {}) };
  }

  /** The bot showed this deploy's final state in its message (so a restarted bot need not). */
  /** Notes what the message shows for a finished deploy (a fingerprint of its rendering). */
  async markRendered(id: string, fingerprint: string): Promise<void> {
    await this.redis.hset(this.key(id), "rendered", fingerprint);
  }

  /** True when the message already shows this rendering: a record that changed since is not. */
  async isRendered(id: string, fingerprint: string): Promise<boolean> {
    return (await this.redis.hget(this.key(id), "rendered")) === fingerprint;
  }

  /** Ids of the latest `perList` deploys of every project and environment. */
  async recentIds(perList: number): Promise<string[]> {
    const lists = await this.historyLists();
    const ids = await Promise.all(lists.map((key) => this.redis.lrange(key, 0, perList - 1)));
    return ids.flat();
  }

  /**
   * The history lists' keys. Lists written by a version without the set are found by one scan
   * of the keyspace per process, then kept in the set: the deploy-message sweep runs every 15 s,
   * and a scan of a large keyspace holds Redis up for every other client each time.
   */
  private async historyLists(): Promise<string[]> {
    if (!this.listsComplete) {
      let cursor = "0";
      do {
        const [next, keys] = await this.redis.scan(cursor, "MATCH", `${this.prefix}:history:*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await this.redis.sadd(this.listsKey, ...keys);
      } while (cursor !== "0");
      this.listsComplete = true;
    }
    return this.redis.smembers(this.listsKey);
  }

  async history(project: string, env: string, count = 20): Promise<DeployRecord[]> {
    const ids = await this.redis.lrange(`${this.prefix}:history:${project}:${env}`, 0, count - 1);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is DeployRecord => r !== undefined);
  }
}
