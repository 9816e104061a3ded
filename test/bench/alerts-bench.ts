/**
 * Alert latency (`BENCH_ONLY=alerts npm run bench`): `docker kill` (the same API call) of a
 * managed container to the alert's chat.postMessage at the Slack stand-in (its receive time),
 * over `BENCH_ALERT_KILLS` (default 20) kills, one at a time, taking turns on the three hosts,
 * with the monitor's default options (grouping window 250 ms). Also the part of it from the
 * Docker event's own time (as the stored alert says) to the post. Goal: p95 under 1 s.
 */
import { DEFAULT_MONITOR_OPTIONS } from "../../src/monitor/monitor.js";
import { alertId, alertPosts, percentile, pullTestImage, readAlert, runManaged } from "../support/alerts.js";
import { HOSTS, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { blocksText } from "../support/slack-standin.js";
import { ms } from "./figures.js";

const KILLS = Number(process.env.BENCH_ALERT_KILLS ?? 20);
const ENV = "bench";

export async function alertsBench(kills = KILLS): Promise<Record<string, unknown>> {
  const project = uniqueName("ab");
  const h = await startHarness(
    { [project]: { image: "plain", tag: "v1" } },
    { roles: ["monitor"], environments: { [ENV]: { channel: "CBENCH", hosts: [...HOSTS] } } },
  );
  const fromKill: number[] = [];
  const fromEvent: number[] = [];
  try {
    const images = Object.fromEntries(
      await Promise.all(
        HOSTS.map(async (host) => [host, await pullTestImage(h, h.docker[host], "plain:v1")]),
      ),
    ) as Record<string, string>;
    // The first kill is a warm-up (the monitor's event streams have just connected): not counted.
    for (let i = -1; i < kills; i++) {
      const host = HOSTS[(i + HOSTS.length) % HOSTS.length] as (typeof HOSTS)[number];
      const docker = h.docker[host];
      const container = await runManaged(docker, images[host] as string, { project, env: ENV });
      const name = (await container.inspect()).Name.replace(/^\//, "");
      // Let the start event pass, so the kill is not judged together with it.
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await container.kill();
      const call = await h.slack.waitFor(
        () => alertPosts(h, project).find((c) => blocksText(c.args).includes(name)),
        30_000,
        `the alert for kill ${i} on ${host}`,
      );
      if (i >= 0) {
        fromKill.push(call.at - t0);
        const eventAt = (await readAlert(h, alertId(call)))?.items[0]?.eventAt;
        if (eventAt !== undefined) fromEvent.push(call.at - eventAt);
      }
      await container.remove({ force: true });
    }
  } finally {
    await h.close();
  }
  const figures = {
    kills,
    batchMs: DEFAULT_MONITOR_OPTIONS.batchMs,
    p50Ms: percentile(fromKill, 50),
    p95Ms: percentile(fromKill, 95),
    maxMs: Math.max(...fromKill),
    fromEventP50Ms: percentile(fromEvent, 50),
    fromEventP95Ms: percentile(fromEvent, 95),
    goalMet: percentile(fromKill, 95) < 1_000,
  };
  process.stdout.write(
    `${[
      `alert latency, docker kill → chat.postMessage at the stand-in, ${kills} kills over ${HOSTS.length} hosts, grouping window ${figures.batchMs} ms`,
      `from the kill:          p50 ${ms(figures.p50Ms)}  p95 ${ms(figures.p95Ms)}  max ${ms(figures.maxMs)}  goal p95 < 1 s: ${figures.goalMet ? "met" : "missed"}`,
      `from the Docker event:  p50 ${ms(figures.fromEventP50Ms)}  p95 ${ms(figures.fromEventP95Ms)}`,
    ].join("\n")}\n`,
  );
  return { alerts: figures };
}
