import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type SlashCommand, sendSigned, slashCommandBody } from "../support/signed-request.js";

export type LoadResult = {
  rate: number;
  sent: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
};

/** One load run, as plain data a child process can take. */
export type LoadJob = {
  baseUrl: string;
  secret: string;
  rate: number;
  seconds: number;
  /** Sent in turn, over and over. */
  commands: Omit<SlashCommand, "responseUrl">[];
  /** Command i answers to `${responseUrlPrefix}${i}`. */
  responseUrlPrefix: string;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * Open-loop load: sends one signed slash command every 1/rate s for `seconds`, whatever the
 * answers do (a closed loop would slow down with the server and hide its queueing), and times
 * each acknowledgement.
 */
export async function ackLoad(
  baseUrl: string,
  secret: string,
  rate: number,
  seconds: number,
  command: (i: number) => Omit<SlashCommand, "responseUrl">,
  responseUrl: (i: number) => string,
): Promise<LoadResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const body = slashCommandBody({ ...command(i), responseUrl: responseUrl(i) });
    const t0 = performance.now();
    inflight.push(
      sendSigned(baseUrl, body, { secret })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
          latencies.push(performance.now() - t0);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(inflight);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    rate,
    sent: total,
    errors,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** `ackLoad` run in a child process of its own (see ack-load-child.ts). */
export async function ackLoadApart(job: LoadJob): Promise<LoadResult> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ["--import", "tsx", "test/bench/ack-load-child.ts"],
      { cwd: root, env: { PATH: process.env.PATH ?? "", ACK_LOAD: JSON.stringify(job) }, maxBuffer: 1 << 20 },
      (err, out, errOut) =>
        err ? reject(new Error(`load generator failed: ${errOut || err.message}`)) : resolve(out),
    ),
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as LoadResult;
}
