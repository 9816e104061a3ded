import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const FILE = fileURLToPath(new URL("../../bench/results.json", import.meta.url));

/** Merges one benchmark's figures into bench/results.json with the machine, date and git sha. */
export function writeResults(figures: Record<string, unknown>): void {
  const previous = existsSync(FILE)
    ? (JSON.parse(readFileSync(FILE, "utf8")) as Record<string, unknown>)
    : {};
  let sha = "unknown";
  try {
    sha = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {}
  const run = {
    date: new Date().toISOString(),
    sha,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? "?",
      memGiB: Math.round(totalmem() / 2 ** 30),
    },
  };
  mkdirSync(fileURLToPath(new URL("../../bench/", import.meta.url)), { recursive: true });
  const merged = { ...previous };
  for (const [name, value] of Object.entries(figures)) merged[name] = { ...run, ...(value as object) };
  writeFileSync(FILE, `${JSON.stringify(merged, null, 2)}\n`);
}
