import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type Docker from "dockerode";

// The fleet scripts' lock (test/fleet/lib.sh): held while the daemon is frozen, so that a vitest
// run starting meanwhile (its global setup runs up.sh, which restarts a daemon that does not
// answer) or host.sh waits instead of "repairing" the host under this test.
const FLEET_LOCK = "/run/dckops.lock";
const RUN_ROOT = "/run/dckops";

export type FaultHostClaim = { release: () => Promise<void> };

/** A fleet host's dockerd stopped with SIGSTOP: it accepts connections and never answers. */
export type FrozenHost = { thaw: () => Promise<void> };

function dockerdPid(host: string): number {
  const pid = Number(readFileSync(`${RUN_ROOT}/${host}/dockerd.pid`, "utf8").trim());
  const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  if (comm !== "dockerd") throw new Error(`pid ${pid} of host ${host} is ${comm}, not dockerd`);
  return pid;
}

/** Holds the file lock `path` until the returned child's stdin ends (or this process dies). */
async function takeLock(path: string): Promise<ChildProcess> {
  const child = spawn("flock", ["-w", "300", path, "sh", "-c", "echo locked; exec cat"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("locked")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`flock ${path} ended with ${code}`)));
  });
  return child;
}

function release(lock: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (lock.exitCode !== null) return resolve();
    lock.on("exit", () => resolve());
    lock.stdin?.end();
  });
}

/**
 * Claims the fleet's fault host f for one test file until `release`: the files that stop or
 * freeze it run in parallel otherwise, and one would see the other's fault (an unreachable
 * alert it did not cause, a daemon that does not answer).
 */
export async function claimFaultHost(): Promise<FaultHostClaim> {
  const lock = await takeLock(`${RUN_ROOT}/f.claim`);
  return { release: () => release(lock) };
}

/**
 * Freezes host `host` (a, b, c, f) once it answers. Always call `thaw`, in a finally or afterAll:
 * a frozen daemon left behind is only repaired by the next fleet setup.
 */
export async function freezeHost(host: string, docker: Docker, waitMs = 90_000): Promise<FrozenHost> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await takeLock(FLEET_LOCK);
    try {
      // Another file's fault (host.sh stop) may have left it down; it restarts it once it has the lock.
      await docker.ping();
      const pid = dockerdPid(host);
      process.kill(pid, "SIGSTOP");
      return thawing(pid, lock);
    } catch (err) {
      await release(lock);
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function thawing(pid: number, lock: ChildProcess): FrozenHost {
  let thawed = false;
  return {
    thaw: async () => {
      if (thawed) return;
      thawed = true;
      try {
        process.kill(pid, "SIGCONT");
      } finally {
        await release(lock);
      }
    },
  };
}
