import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { sleep } from "./workload.js";

const LOCK = "/run/dckops/soak.lock";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One soak at a time owns the soak hosts (it wipes and faults them). A lock file with the owner's
 * pid; a dead owner's lock is taken over. Waits up to `waitMs` for a running soak to finish.
 */
export async function acquireSoakLock(waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: "wx" });
      return () => {
        if (readFileSync(LOCK, "utf8") === String(process.pid)) unlinkSync(LOCK);
      };
    } catch {
      const owner = Number(readFileSync(LOCK, "utf8").trim());
      if (!owner || !alive(owner)) {
        unlinkSync(LOCK);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another soak (pid ${owner}) holds ${LOCK}`);
      await sleep(2_000);
    }
  }
}
