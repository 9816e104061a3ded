/**
 * `npm run bench`: every benchmark in one run on the test fleet, each figure a ratio or a
 * percentile against its baseline measured in the same run; results merged into
 * bench/results.json. BENCH_ONLY=deploy,ack runs a subset.
 * (`stats`, `alerts` and `cost` report absolute costs: there is no by-hand baseline for them;
 * `capacity` compares per-host queues with today's shared queue.)
 */
import { ackBench } from "./ack-bench.js";
import { alertsBench } from "./alerts-bench.js";
import { capacityBench } from "./capacity-bench.js";
import { costBench } from "./cost-bench.js";
import { deployBench } from "./deploy-bench.js";
import { fanoutBench } from "./fanout-bench.js";
import { proxyLatencyBench } from "./proxy-latency-bench.js";
import { readsBench } from "./reads-bench.js";
import { writeResults } from "./results.js";
import { rollingBench } from "./rolling-bench.js";
import { statsBench } from "./stats-bench.js";

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  deploy: () => deployBench(),
  fanout: () => fanoutBench(),
  rolling: () => rollingBench(),
  proxylat: () => proxyLatencyBench(),
  ack: () => ackBench(),
  stats: () => statsBench(),
  reads: () => readsBench(),
  alerts: () => alertsBench(),
  cost: () => costBench(),
  capacity: () => capacityBench(),
};

const only = process.env.BENCH_ONLY?.split(",") ?? Object.keys(BENCHES);
try {
  for (const name of only) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`no benchmark ${name}; known: ${Object.keys(BENCHES).join(", ")}`);
    writeResults(await bench());
  }
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
}
