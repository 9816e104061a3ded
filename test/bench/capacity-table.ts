/** The capacity bench's figures per setting, and the table it prints of them. */
import { ratio } from "./figures.js";

export type Row = {
  design: "shared" | "perHost";
  hosts: number;
  workers: number;
  /** Redis clients the worker processes added, all of them together. */
  connections: number;
  idle: { redisCpuMsPerSec: number; commandsPerSec: number; workerCpuMsPerSec: number; workerRssMB: number };
  latency: {
    rate: number;
    jobs: number;
    p50Ms: number;
    p95Ms: number;
    redisCpuMsPer1000Jobs: number;
    workerCpuMsPerJob: number;
  };
  saturation: {
    jobs: number;
    jobsPerSec: number;
    redisCpuMsPer1000Jobs: number;
    redisCommandsPerJob: number;
    workerCpuMsPerJob: number;
    workerRssMB: number;
  };
  memory: {
    /** used_memory added by attaching the workers (client buffers included), divided by M. */
    attachedBytesPerHost: number;
    clientBytesPerHost: number;
    /** MEMORY USAGE of the queues' keys before any job, divided by M. */
    keyBytesPerHost: number;
    keptJobs: number;
    bytesPer1000Kept: number;
    eventEntries: number;
    eventsPerJob: number;
    bytesPerEvent: number;
  };
};

type Shape = { jobs: number; rate: number; latencySeconds: number; idleSeconds: number; workMs: number };

const n = (x: number, width: number, digits = 0) => x.toFixed(digits).padStart(width);

export function table(rows: Row[], o: Shape, loadBefore: number[], loadAfter: number[]): string {
  const lines = [
    `capacity: M host queues (one slot each) against one shared queue (M slots), processor waits ${o.workMs} ms; own redis-server, AOF always`,
    `load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}; idle ${o.idleSeconds} s; latency at ${o.rate} jobs/s for ${o.latencySeconds} s; saturation ${o.jobs} jobs`,
    "design    M  wk  conns  idle redis  idle cmd/s  idle wk CPU  idle RSS MB |  p50   p95 ms  redis ms/1k  wk ms/job | jobs/s  redis ms/1k  cmd/job  wk ms/job  wk RSS MB | B/host idle  B/1k kept  ev/job  B/event",
  ];
  for (const r of rows) {
    lines.push(
      [
        r.design.padEnd(7),
        n(r.hosts, 4),
        n(r.workers, 3),
        n(r.connections, 6),
        `${n(r.idle.redisCpuMsPerSec, 6, 1)} ms/s`,
        n(r.idle.commandsPerSec, 11, 1),
        `${n(r.idle.workerCpuMsPerSec, 7, 1)} ms/s`,
        `${n(r.idle.workerRssMB, 11, 1)} |`,
        n(r.latency.p50Ms, 4),
        `${n(r.latency.p95Ms, 5)}   `,
        n(r.latency.redisCpuMsPer1000Jobs, 12),
        `${n(r.latency.workerCpuMsPerJob, 10, 2)} |`,
        n(r.saturation.jobsPerSec, 6),
        n(r.saturation.redisCpuMsPer1000Jobs, 12),
        n(r.saturation.redisCommandsPerJob, 8, 1),
        n(r.saturation.workerCpuMsPerJob, 10, 2),
        `${n(r.saturation.workerRssMB, 10, 1)} |`,
        n(r.memory.attachedBytesPerHost, 11),
        n(r.memory.bytesPer1000Kept, 10),
        n(r.memory.eventsPerJob, 7, 1),
        n(r.memory.bytesPerEvent, 8),
      ].join(" "),
    );
  }
  lines.push("per-host / shared, same M and worker processes:");
  for (const r of rows.filter((x) => x.design === "perHost")) {
    const s = rows.find((x) => x.design === "shared" && x.hosts === r.hosts && x.workers === r.workers);
    if (!s) continue;
    lines.push(
      `  M ${n(r.hosts, 3)} wk ${r.workers}: connections ${ratio(r.connections, s.connections)}×, idle Redis CPU ${ratio(r.idle.redisCpuMsPerSec, s.idle.redisCpuMsPerSec)}×, jobs/s ${ratio(r.saturation.jobsPerSec, s.saturation.jobsPerSec)}×, Redis CPU/job ${ratio(r.saturation.redisCpuMsPer1000Jobs, s.saturation.redisCpuMsPer1000Jobs)}×, worker CPU/job ${ratio(r.saturation.workerCpuMsPerJob, s.saturation.workerCpuMsPerJob)}×, p50 ${ratio(r.latency.p50Ms, s.latency.p50Ms)}×, p95 ${ratio(r.latency.p95Ms, s.latency.p95Ms)}×, memory attached ${ratio(r.memory.attachedBytesPerHost, s.memory.attachedBytesPerHost)}×`,
    );
  }
  return lines.join("\n");
}
