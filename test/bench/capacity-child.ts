/** The capacity bench's side of a worker process (capacity-worker.ts): start, count, stop. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CapacityChild, ChildMessage } from "./capacity-worker.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = fileURLToPath(new URL("./capacity-worker.ts", import.meta.url));

export type WorkerProcess = {
  pid: number;
  /** Totals since it started, as of the last `poll`. */
  started: number;
  finished: number;
  /** Enqueue-to-start times of the jobs it started since `takeLatencies` last ran. */
  takeLatencies: () => number[];
  poll: () => Promise<void>;
  close: () => Promise<void>;
};

function next(child: ChildProcess, timeoutMs: number): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("capacity worker did not answer")), timeoutMs);
    const onExit = (code: number | null) => reject(new Error(`capacity worker exited (${code})`));
    child.once("exit", onExit);
    child.once("message", (m: ChildMessage) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(m);
    });
  });
}

/** node itself, not the tsx wrapper: its pid is the process whose CPU and RSS are measured. */
export async function startWorkerProcess(input: CapacityChild): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    cwd: ROOT,
    env: { ...process.env, CAPACITY_CHILD: JSON.stringify(input) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await next(child, 120_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  let latencies: number[] = [];
  const p: WorkerProcess = {
    pid: child.pid as number,
    started: 0,
    finished: 0,
    takeLatencies: () => {
      const taken = latencies;
      latencies = [];
      return taken;
    },
    poll: async () => {
      const answer = next(child, 30_000);
      child.send({ type: "collect" });
      const m = await answer;
      if (m.type !== "stats") throw new Error(`capacity worker answered ${m.type}`);
      p.started = m.started;
      p.finished = m.finished;
      latencies.push(...m.latenciesMs);
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: "close" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return p;
}
