import type { Queue } from "bullmq";
import { NOT_FINISHED, waitForJob } from "../queue/wait-job.js";

/** Where one host's job of a multi-host command stands, as its channel message shows it. */
export type HostOutcome<T> =
  | { state: "waiting" }
  | { state: "done"; result: T }
  | { state: "failed"; error: string };

export const waitingOn = <T>(hosts: readonly string[]): Record<string, HostOutcome<T>> =>
  Object.fromEntries(hosts.map((h) => [h, { state: "waiting" }]));

/** Waits for each host's job (`ids` in the order of `hosts`) and records how it ended. */
export async function settleHostJobs<T>(
  queue: Queue,
  hosts: readonly string[],
  ids: readonly string[],
  outcomes: Record<string, HostOutcome<T>>,
  timeoutMs: number,
): Promise<void> {
  await Promise.all(
    hosts.map(async (host, i) => {
      const outcome = await waitForJob<T>(queue, ids[i] ?? "", timeoutMs);
      outcomes[host] =
        outcome.state === "completed"
          ? { state: "done", result: outcome.result }
          : { state: "failed", error: outcome.state === "failed" ? outcome.reason : NOT_FINISHED };
    }),
  );
}
