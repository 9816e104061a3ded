import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { agentStates, agentWaitStep } from "../src/agent/liveness.js";
import type { Fleet } from "../src/fleet/schema.js";

/** How long a job waits for a host's agent to come back before it fails (default 15 min). */
export const AGENT_WAIT_MS = 15 * 60_000;
// Each look is a job activation (and an audit "started"): often enough, not chatty.
const RECHECK_MS = 5_000;

/** Why a job for `host` cannot run now (its agent is down), or undefined when it can. */
export function agentCheck(fleet: Fleet, redis: Redis, prefix: string) {
  return async (host: string): Promise<string | undefined> => {
    if (!fleet.hosts[host]?.agent) return undefined;
    const [state] = await agentStates(redis, prefix, [host]);
    return state?.alive ? undefined : agentWaitStep(host);
  };
}

/**
 * The host's agent is down: park the job as delayed (its worker slot is free meanwhile) and look
 * again shortly; it runs once the agent is back, or fails after `waitMs` with what to do.
 */
export async function waitForAgent(
  job: Job,
  reason: string,
  opts: { since: number; log: Logger; waitMs?: number; show?: (step: string) => Promise<void> },
): Promise<never> {
  const waitMs = opts.waitMs ?? AGENT_WAIT_MS;
  if (Date.now() - opts.since >= waitMs) {
    throw new UnrecoverableError(
      `${reason.replace(/^waiting for /, "gave up waiting for ")} (waited ${Math.round(waitMs / 60_000)} min); nothing was changed on that host`,
    );
  }
  const shown = (job.progress as { step?: unknown } | undefined)?.step;
  if (shown !== reason) {
    opts.log.warn({ jobId: job.id, reason }, "job waits for its host's agent");
    await opts.show?.(reason);
    await job.updateProgress({ step: reason });
  }
  await job.moveToDelayed(Date.now() + RECHECK_MS, job.token);
  throw new DelayedError();
}
