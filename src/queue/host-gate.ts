import { DelayedError, type Job } from "bullmq";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { JOB_NAMES } from "../jobs/schemas.js";
import type { HostSlots, SlotKind } from "./host-slots.js";

// A parked job looks again this often even if nobody wakes it: a slot whose worker was killed
// comes free by expiry, which wakes nobody.
const RECHECK_MS = 5_000;
// Waiters whose job is gone (cancelled while parked) cannot be woken; this many are skipped at most.
const MAX_WAKE_ROUNDS = 10;

const READS: ReadonlySet<string> = new Set([JOB_NAMES.hostRead, JOB_NAMES.tailLogs]);

/** The host a job works on and how it is counted there; undefined for a job of no one host. */
export function slotOf(job: Pick<Job, "name" | "data">): { host: string; kind: SlotKind } | undefined {
  const host = (job.data as { host?: unknown } | undefined)?.host;
  if (typeof host !== "string" || host === "") return undefined;
  return { host, kind: READS.has(job.name) ? "read" : "change" };
}

const waiting = (host: string) => `waiting for a free slot on ${host}`;
const stepOf = (job: Job) => (job.progress as { step?: unknown } | undefined)?.step;

export type HostGate = {
  slots: HostSlots;
  /** Moves a parked job to the waiting list now; false when there is no such parked job. */
  wake: (jobId: string) => Promise<boolean>;
  log: Logger;
};

/**
 * Runs `run` once the job's host has a free slot. Without one, the job is parked as delayed and
 * gives its worker slot back (no job waits in a worker for a busy host), to be woken by the next
 * job of that host to finish. The slot is given back however `run` ends, parking included.
 */
export async function withHostSlot<T>(
  job: Job,
  token: string | undefined,
  gate: HostGate,
  run: () => Promise<T>,
): Promise<T> {
  const slot = slotOf(job);
  const id = job.id;
  if (!slot || !id) return run();
  const { slots } = gate;
  if (!(await slots.take(slot.host, slot.kind, id))) {
    gate.log.debug({ jobId: id, host: slot.host, kind: slot.kind }, "host busy: job parked");
    // What /jobs shows for it; said once, not on every look.
    if (stepOf(job) !== waiting(slot.host))
      await job.updateProgress({ step: waiting(slot.host) }).catch(() => {});
    await job.moveToDelayed(Date.now() + RECHECK_MS, token);
    if (await slots.parked(slot.host, slot.kind, id, job.timestamp)) await gate.wake(id);
    throw new DelayedError();
  }
  // Not every job reports its own steps: one that waited must not go on saying so while it runs.
  if (stepOf(job) === waiting(slot.host)) await job.updateProgress({}).catch(() => {});
  const renew = setInterval(
    () => void slots.renew(slot.host, slot.kind, id).catch(() => {}),
    Math.max(250, Math.floor(slots.ttlMs / 3)),
  );
  try {
    return await run();
  } finally {
    clearInterval(renew);
    await release(gate, slot.host, slot.kind, id).catch((err) =>
      // The slot expires by itself; waiters look again within RECHECK_MS.
      gate.log.warn({ jobId: id, host: slot.host, err: errorMessage(err) }, "host slot not given back"),
    );
  }
}

async function release(gate: HostGate, host: string, kind: SlotKind, holder: string): Promise<void> {
  let ids = await gate.slots.release(host, kind, holder);
  for (let round = 0; ids.length > 0 && round < MAX_WAKE_ROUNDS; round++) {
    let missed = 0;
    for (const id of ids) if (!(await gate.wake(id))) missed++;
    ids = missed > 0 ? await gate.slots.nextWaiters(host, kind, missed) : [];
  }
}
