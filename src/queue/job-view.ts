import type { Job } from "bullmq";

/** A job as chat shows it: plain data, read from BullMQ. */
export type JobView = {
  id: string;
  name: string;
  state: string;
  what: string;
  requestedBy?: string;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
  maxAttempts: number;
  step?: string;
  failedReason?: string;
  data: Record<string, unknown>;
  result?: unknown;
};

/** "deploy a1:v2 → beta@serverA", "prune serverA": what a job does, from its payload. */
export function describeJob(name: string, data: Record<string, unknown>): string {
  const s = (k: string) => (typeof data[k] === "string" ? (data[k] as string) : "?");
  if (name === "deploy") return `deploy ${s("project")}:${s("tag")} → ${s("env")}@${s("host")}`;
  if (name === "prune") return `prune ${s("host")}`;
  if (name === "build") return `build ${s("project")}@${s("ref")} on ${s("host")}`;
  if (name === "proxy") return `proxy ${s("action")} on ${s("host")}`;
  if (name === "maintenance")
    return `maintenance ${data.on === true ? "on" : "off"} ${s("project")} ${s("env")}@${s("host")}`;
  const target = ["project", "env", "host"].filter((k) => typeof data[k] === "string").map(s);
  return [name, ...target].join(" ");
}

export function jobView(job: Job, state: string): JobView {
  const data = (job.data ?? {}) as Record<string, unknown>;
  const progress = job.progress as { step?: unknown } | number | undefined;
  const step = typeof progress === "object" && typeof progress?.step === "string" ? progress.step : undefined;
  return {
    id: job.id ?? "?",
    name: job.name,
    state,
    what: describeJob(job.name, data),
    ...(typeof data.requestedBy === "string" ? { requestedBy: data.requestedBy } : {}),
    queuedAt: job.timestamp,
    ...(job.processedOn ? { startedAt: job.processedOn } : {}),
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
    attempts: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    ...(step ? { step } : {}),
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    data,
    ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
  };
}
