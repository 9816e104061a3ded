import type { Queue, QueueEvents } from "bullmq";
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";
import { isHostReadJobId } from "../jobs/read-schemas.js";
import type { AuditEvent } from "./event.js";

/**
 * Job start, finish and failure from BullMQ's events, for any job kind: the job's own data
 * (names only, by the job contract) says who asked and for which project, env and host.
 * Every bot process sees every queue event; `recordOnce` keys the entry by the event's ID in
 * BullMQ's event stream, so two bots still leave one entry per event.
 */
export class JobAudit {
  constructor(
    private readonly events: QueueEvents,
    private readonly queue: Queue,
    private readonly recordOnce: (eventId: string, event: AuditEvent) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.events.on("active", ({ jobId }, eventId) => void this.record(eventId, jobId, "started"));
    this.events.on("completed", ({ jobId }, eventId) => void this.record(eventId, jobId, "finished"));
    this.events.on(
      "failed",
      ({ jobId, failedReason }, eventId) => void this.record(eventId, jobId, "failed", failedReason),
    );
  }

  private async record(eventId: string, jobId: string, action: string, detail?: string): Promise<void> {
    if (isHostReadJobId(jobId)) return;
    try {
      const job = await this.queue.getJob(jobId);
      const data = (job?.data ?? {}) as Record<string, unknown>;
      const str = (k: string) => (typeof data[k] === "string" ? { [k]: data[k] as string } : {});
      this.recordOnce(eventId, {
        type: "job",
        action,
        ...(typeof data.requestedBy === "string" ? { user: data.requestedBy } : {}),
        ...str("project"),
        ...str("env"),
        text: `${job?.name ?? "job"} ${typeof data.host === "string" ? `on ${data.host} ` : ""}(${jobId})`,
        ...(detail ? { detail: detail.slice(0, 300) } : {}),
      });
    } catch (err) {
      this.log.warn({ jobId, err: errorMessage(err) }, "could not audit a job event");
    }
  }
}
