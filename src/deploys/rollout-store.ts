import type { Redis } from "ioredis";
import { z } from "zod";
import { type DeployJob, deployJobSchema } from "../jobs/schemas.js";
import { deployKey, ROLLBACK_FIELD } from "./store.js";

const JOBS_FIELD = "rollout-jobs";
const CANCEL_FIELD = "rollout-cancelled-by";

/**
 * What a rollout keeps beside its deploy record: the job of every host (later batches get
 * theirs once the batch before has succeeded), who cancelled it, and the rollback it started.
 */
export class RolloutStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  async setJobs(id: string, jobs: DeployJob[]): Promise<void> {
    const checked = jobs.map((j) => deployJobSchema.parse(j));
    await this.redis.hset(deployKey(this.prefix, id), JOBS_FIELD, JSON.stringify(checked));
  }

  /** The stored jobs, checked against the same contract the worker checks. */
  async jobs(id: string): Promise<DeployJob[]> {
    const raw = await this.redis.hget(deployKey(this.prefix, id), JOBS_FIELD);
    return raw ? z.array(deployJobSchema).parse(JSON.parse(raw)) : [];
  }

  /** Stops the rollout after the batch that runs now; the first to ask is the one recorded. */
  async cancel(id: string, by: string): Promise<boolean> {
    return (await this.redis.hsetnx(deployKey(this.prefix, id), CANCEL_FIELD, by)) === 1;
  }

  async cancelledBy(id: string): Promise<string | undefined> {
    return (await this.redis.hget(deployKey(this.prefix, id), CANCEL_FIELD)) ?? undefined;
  }

  /** Whoever links a rollback first starts it: a failed batch is rolled back once. */
  async claimRollback(id: string, rollbackId: string): Promise<boolean> {
    return (await this.redis.hsetnx(deployKey(this.prefix, id), ROLLBACK_FIELD, rollbackId)) === 1;
  }
}
