import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FLEET_STATE_DIR, readFleetEnv } from "./fleet-env.js";
import { registerSecret, scanRun, startRun } from "./secret-scan.js";

/**
 * Brings the shared test fleet up (or checks it is up: the script is idempotent and fast the
 * second time). A fleet that cannot start fails the run here, loudly, before any test.
 * At the end, fails the run if any registered secret reached Slack, a log or the audit stream.
 */
export default function setup(): () => void {
  const script = fileURLToPath(new URL("../fleet/up.sh", import.meta.url));
  execFileSync("bash", [script], { stdio: "inherit" });
  const dir = join(FLEET_STATE_DIR, "runs", `${Date.now()}-${process.pid}`);
  startRun(dir);
  registerSecret(readFleetEnv().REGISTRY_PASSWORD ?? "");
  return () => {
    const leaks = scanRun(dir);
    if (leaks.length > 0)
      throw new Error(`secrets leaked into chat, logs or the audit stream:\n${leaks.join("\n")}`);
    process.stdout.write(
      `secret scan: no registered secret in any chat message, log or audit stream (${dir})\n`,
    );
  };
}
