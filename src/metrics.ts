import type { Job } from "bullmq";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of this process, served at GET /metrics. One registry per process: the bot
 * counts commands and reads the queue depth, the worker times jobs and counts deploy outcomes
 * (in `npm start` both run in one process, so one scrape sees everything).
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: "dockops_process_" });

/** outcome: accepted (a valid plan), help, or usage (a user mistake: nothing was done). */
export const commandsTotal = new Counter({
  name: "dockops_commands_total",
  help: "Chat commands received, by command and outcome",
  labelNames: ["command", "outcome"] as const,
  registers: [metricsRegistry],
});

export const jobDuration = new Histogram({
  name: "dockops_job_duration_seconds",
  help: "Time a worker spent on one job, by job kind and outcome",
  labelNames: ["kind", "outcome"] as const,
  buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
  registers: [metricsRegistry],
});

/**
 * Slack requests from their arrival at the HTTP server to the end of the answer: Slack shows the
 * user a timeout past 3 s, so the upper buckets are the ones to alert on.
 */
export const slackAckDuration = new Histogram({
  name: "dockops_slack_ack_seconds",
  help: "Time from a Slack request's arrival to the end of the bot's answer (its acknowledgement)",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
  registers: [metricsRegistry],
});

/** One per host of a deploy: succeeded or failed. */
export const deploysTotal = new Counter({
  name: "dockops_deploys_total",
  help: "Per-host deploy outcomes",
  labelNames: ["outcome"] as const,
  registers: [metricsRegistry],
});

/** For the monitor and anything else that alerts: `alertsTotal.inc({ kind: "crash" })`. */
export const alertsTotal = new Counter({
  name: "dockops_alerts_total",
  help: "Alerts posted, by kind",
  labelNames: ["kind"] as const,
  registers: [metricsRegistry],
});

type DepthSource = () => Promise<Record<string, number>>;
let depthSource: DepthSource | undefined;

/** Jobs in the queue by state, read from Redis on each scrape. */
export const queueDepth = new Gauge({
  name: "dockops_queue_jobs",
  help: "Jobs in the queue, by state",
  labelNames: ["state"] as const,
  registers: [metricsRegistry],
  async collect() {
    if (!depthSource) return;
    const counts = await depthSource().catch(() => undefined);
    for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
  },
});

export function trackQueueDepth(source: DepthSource): void {
  depthSource = source;
}

/** Wraps job processors so every job is timed and every deploy outcome counted. */
export function timedProcessors<P extends Record<string, (job: Job) => Promise<unknown>>>(processors: P): P {
  const out: Record<string, (job: Job) => Promise<unknown>> = {};
  for (const [kind, run] of Object.entries(processors)) {
    out[kind] = async (job) => {
      const stop = jobDuration.startTimer({ kind });
      try {
        const result = await run(job);
        stop({ outcome: "succeeded" });
        if (kind === "deploy") deploysTotal.inc({ outcome: "succeeded" });
        return result;
      } catch (err) {
        // A deploy parked until its host is free gave its slot back; it has not finished.
        if (err instanceof Error && err.name === "DelayedError") throw err;
        stop({ outcome: "failed" });
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || isUnrecoverable(err);
        if (kind === "deploy" && final) deploysTotal.inc({ outcome: "failed" });
        throw err;
      }
    };
  }
  return out as P;
}

function isUnrecoverable(err: unknown): boolean {
  return err instanceof Error && err.name === "UnrecoverableError";
}
