import type { LockPlan, UnlockPlan } from "../../commands/lock.js";
import { describeLock, type EnvLocks } from "../deploys/env-lock.js";
import { ephemeral, type Reply } from "./message.js";

const inChannel = (text: string): Reply => ({ visibility: "in_channel", message: { text } });

/** `/lock` and `/unlock`: announced in the channel, so everyone sees the freeze and its reason. */
export class LockService {
  constructor(private readonly locks: EnvLocks) {}

  async lock(plan: LockPlan): Promise<Reply> {
    const { placed, lock } = await this.locks.lock(plan.project, plan.env, {
      by: plan.requestedBy,
      at: Date.now(),
      reason: plan.reason,
    });
    if (!placed) {
      return ephemeral(
        `*${plan.project}* in *${plan.env}* is already ${describeLock(lock)}. \`/unlock ${plan.project} ${plan.env}\` first.`,
      );
    }
    return inChannel(
      `:lock: <@${plan.requestedBy}> locked *${plan.project}* in *${plan.env}*: ${plan.reason}. Deploys, rollbacks, promotions and scaling are refused until \`/unlock ${plan.project} ${plan.env}\`.`,
    );
  }

  async unlock(plan: UnlockPlan): Promise<Reply> {
    const lifted = await this.locks.unlock(plan.project, plan.env);
    if (!lifted) return ephemeral(`*${plan.project}* in *${plan.env}* is not locked.`);
    return inChannel(
      `:unlock: <@${plan.requestedBy}> unlocked *${plan.project}* in *${plan.env}* (it was ${describeLock(lifted)}).`,
    );
  }
}
