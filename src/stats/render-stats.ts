import type { StatsPlan } from "../../commands/stats.js";
import { foreignText } from "../core/foreign-text.js";
import { codeTable } from "../core/table.js";
import type { HostStats } from "../jobs/read-schemas.js";

/** "512B", "3.4KiB", "120MiB", "1.9GiB": sizes as `docker stats` writes them. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown}${units[unit]}`;
}

const percent = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "—");

const visible = (plan: { envs?: string[] }, env: string) =>
  plan.envs === undefined || plan.envs.includes(env);

/** Per container, then per host: the same numbers `docker stats` and `docker system df` show. */
export function renderStats(plan: StatsPlan, hosts: readonly HostStats[]): string {
  const rows: string[][] = [];
  const hostRows: string[][] = [];
  const unreachable: string[] = [];
  for (const h of hosts) {
    if (!h.reachable) {
      unreachable.push(`${h.host}: ${foreignText(h.reason)}`);
      continue;
    }
    const shown = h.containers.filter((c) => visible(plan, c.env));
    for (const c of shown) {
      rows.push([
        h.host,
        c.project,
        c.env,
        c.name,
        `${c.cpuPercent.toFixed(1)}%`,
        `${formatBytes(c.memUsed)} / ${formatBytes(c.memLimit)}`,
        String(c.restarts),
        `${formatBytes(c.rxBytes)} / ${formatBytes(c.txBytes)}`,
      ]);
    }
    const cpu = shown.reduce((sum, c) => sum + c.cpuPercent, 0);
    const mem = shown.reduce((sum, c) => sum + c.memUsed, 0);
    const { images, containers, volumes, buildCache } = h.disk;
    hostRows.push([
      h.host,
      // Docker's API has no load average: the host's load is what its shown containers use.
      `${cpu.toFixed(1)}% of ${h.cpus * 100}%`,
      `${formatBytes(mem)} / ${formatBytes(h.memTotal)} (${percent(mem, h.memTotal)})`,
      formatBytes(images + containers + volumes + buildCache),
      `${formatBytes(images)} / ${formatBytes(containers)} / ${formatBytes(volumes)} / ${formatBytes(buildCache)}`,
    ]);
  }
  const scope = [plan.project, plan.env].filter(Boolean).join(" in ");
  const lines = [`*Resources*${scope ? ` of ${scope}` : ""}, read live from ${plan.hosts.join(", ")}`];
  if (rows.length > 0) {
    lines.push(
      codeTable(
        ["HOST", "PROJECT", "ENV", "CONTAINER", "CPU", "MEM USED / LIMIT", "RESTARTS", "NET RX / TX"],
        rows,
      ),
    );
  } else if (hostRows.length > 0) {
    lines.push(
      `No running container${scope ? ` of ${scope}` : " managed"} on ${hostRows.map((r) => r[0]).join(", ")}.`,
    );
  }
  if (hostRows.length > 0) {
    lines.push(
      codeTable(
        [
          "HOST",
          "CPU (SHOWN CONTAINERS)",
          "MEMORY (SHOWN)",
          "DOCKER DISK",
          "IMAGES / CONTAINERS / VOLUMES / CACHE",
        ],
        hostRows,
      ),
    );
  }
  if (unreachable.length > 0) lines.push(`:warning: Unreachable: ${unreachable.join("; ")}`);
  return lines.join("\n");
}
