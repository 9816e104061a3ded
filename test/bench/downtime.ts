import { getWithHost, splitFailures, startTraffic } from "../support/traffic.js";

/** What users of the service saw while one change ran. */
export type ChangeSample = {
  ms: number;
  sent: number;
  /** Requests that got no 200: refused, reset, timed out or an error status. */
  failed: number;
  /** Of those, connection resets (the one failure docs/proxy.md allows a Caddy 2.6 reload). */
  resets: number;
  seconds: number;
};

export const TRAFFIC_PER_SECOND = 50;

/**
 * Times `change` while a client sends TRAFFIC_PER_SECOND requests a second to `url`, then checks
 * the service answers as `expected` (so a fast but wrong change cannot look good).
 */
export async function underTraffic(
  url: string,
  expected: string,
  change: () => Promise<void>,
): Promise<ChangeSample> {
  // Ten loops, so the rate holds even when a loaded machine makes each request take 200 ms.
  const traffic = startTraffic(url, TRAFFIC_PER_SECOND, 10);
  const t0 = performance.now();
  await change();
  const ms = performance.now() - t0;
  const report = await traffic.stop();
  const after = await getWithHost(url);
  if (!("body" in after) || after.body !== expected)
    throw new Error(`after the change ${url} answered ${JSON.stringify(after)}, not ${expected}`);
  const { resets, other } = splitFailures(report.replies);
  return {
    ms,
    sent: report.sent,
    failed: resets.length + other.length,
    resets: resets.length,
    seconds: report.seconds,
  };
}
