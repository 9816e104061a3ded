import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Harness } from "./harness.js";
import { recordOutput } from "./secret-scan.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type Spawned = { child: ChildProcess; output: string[]; exited: Promise<number | null> };

/**
 * Runs `src/main.ts <role>` as its own process on the harness's fleet, Redis and key prefix;
 * `entry` replaces how main is loaded (e.g. the compiled `dist/src/main.js`).
 */
export function spawnRole(
  h: Harness,
  role: "worker" | "bot" | "monitor",
  env: Record<string, string> = {},
  entry: string[] = ["--import", "tsx", "src/main.ts"],
): Spawned {
  // node itself, not the tsx wrapper: a SIGKILL must hit the process that does the work.
  const child = spawn(process.execPath, [...entry, role], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      REDIS_URL: h.fleetEnv.REDIS_URL ?? "",
      FLEET_FILE: h.fleetFile,
      DOCKOPS_PREFIX: h.prefix,
      REGISTRY_USERNAME: h.fleetEnv.REGISTRY_USERNAME ?? "",
      REGISTRY_PASSWORD: h.fleetEnv.REGISTRY_PASSWORD ?? "",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return tracked(child, `${h.prefix}-${role}`);
}

/** Collects a spawned process's output; once it exits, the output goes to the secret scan. */
export function tracked(child: ChildProcess, name: string): Spawned {
  const output: string[] = [];
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      recordOutput(`${name}-${child.pid}`, output.join(""));
      resolve(code);
    }),
  );
  return { child, output, exited };
}

/** Waits until the process has logged `text` (e.g. its start-up line). */
export async function waitForOutput(p: Spawned, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.output.join("").includes(text)) {
    if (p.child.exitCode !== null)
      throw new Error(`process exited (${p.child.exitCode}):\n${p.output.join("")}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for "${text}":\n${p.output.join("").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function kill(p: Spawned, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}
