/** A process's memory and CPU as Linux's /proc tells them, for the cost and capacity benches. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? Number.NaN) * 1024;
}

/** User + system CPU time of the process so far, in ms. */
export function cpuMs(pid: number): number {
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}
