import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Brings the shared test fleet up (or checks it is up: the script is idempotent and fast the
 * second time). A fleet that cannot start fails the run here, loudly, before any test.
 */
export default function setup(): void {
  const script = fileURLToPath(new URL("../fleet/up.sh", import.meta.url));
  execFileSync("bash", [script], { stdio: "inherit" });
}
