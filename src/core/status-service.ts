import type { HostsPlan } from "../../commands/hosts.js";
import type { StatusPlan } from "../../commands/status.js";
import { type AgentState, lastSeen } from "../agent/liveness.js";
import type { ContainerView, FleetReader, HostSnapshot } from "../docker/snapshot.js";
import { connectionKind } from "../fleet/connection.js";
import { type Fleet, usesProxy } from "../fleet/schema.js";
import type { MaintenanceMark } from "../proxy/maintenance-marks.js";
import { foreignCode, foreignText } from "./foreign-text.js";
import { ephemeral, type Reply } from "./message.js";
import { versionText } from "./render-deploy.js";
import { codeTable, formatAge } from "./table.js";

export type ReadDeps = {
  fleet: Fleet;
  read: FleetReader;
  timeoutMs: number;
  now?: () => number;
  /** Projects in `/maintenance` (the worker's marks in Redis). */
  maintenance?: () => Promise<MaintenanceMark[]>;
  /** Liveness of the agents of these hosts (their heartbeats in Redis). */
  agents?: (hosts: string[]) => Promise<AgentState[]>;
};

const NONE = "—";

/** Per host × project × env: the running containers, or the newest one if none runs. */
export function currentContainers(all: readonly ContainerView[]): ContainerView[] {
  const groups = new Map<string, ContainerView[]>();
  for (const c of all) {
    const key = `${c.project}\u0000${c.env}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const out: ContainerView[] = [];
  for (const group of groups.values()) {
    const running = group.filter((c) => c.state === "running");
    const newest = [...group].sort((a, b) => b.created - a.created)[0];
    out.push(...(running.length > 0 ? running : newest ? [newest] : []));
  }
  return out.sort((a, b) => a.project.localeCompare(b.project) || a.env.localeCompare(b.env));
}

/** A fleet-wide read narrowed by the access check shows only the environments in `envs`. */
const visible = (plan: { envs?: string[] }, env: string) =>
  plan.envs === undefined || plan.envs.includes(env);

export function renderStatus(
  plan: StatusPlan,
  snapshots: readonly HostSnapshot[],
  now: number,
  maintenance: readonly MaintenanceMark[] = [],
): string {
  const rows: string[][] = [];
  const empty: string[] = [];
  const unreachable: string[] = [];
  for (const snap of snapshots) {
    if (!snap.reachable) {
      rows.push([snap.host, NONE, NONE, NONE, "unreachable", NONE, NONE, NONE]);
      unreachable.push(`${snap.host}: ${foreignText(snap.reason)}`);
      continue;
    }
    const shown = currentContainers(
      snap.managed.filter((c) => c.env === (plan.env ?? c.env) && visible(plan, c.env)),
    );
    if (shown.length === 0) empty.push(snap.host);
    for (const c of shown) {
      rows.push([
        snap.host,
        c.project,
        c.env,
        `${c.version || "?"} (${versionText(c.digest, c.commit)})`,
        c.state,
        c.health ?? NONE,
        c.state === "running" && c.startedAt ? formatAge(now - c.startedAt) : NONE,
        c.configRevision !== undefined ? `r${c.configRevision}` : NONE,
      ]);
    }
  }
  const scope = [plan.project, plan.env].filter(Boolean).join(" in ");
  const lines = [`*Status*${scope ? ` of ${scope}` : ""}, read live from ${plan.hosts.join(", ")}`];
  if (rows.length > 0) {
    lines.push(codeTable(["HOST", "PROJECT", "ENV", "VERSION", "STATE", "HEALTH", "UPTIME", "CONFIG"], rows));
  }
  if (empty.length > 0) lines.push(`Nothing${scope ? ` of ${scope}` : " managed"} on ${empty.join(", ")}.`);
  if (unreachable.length > 0) lines.push(`:warning: Unreachable: ${unreachable.join("; ")}`);
  for (const m of maintenance) {
    const shown =
      m.env === (plan.env ?? m.env) && m.project === (plan.project ?? m.project) && visible(plan, m.env);
    if (!shown || !plan.hosts.includes(m.host)) continue;
    lines.push(
      `:construction: *${m.project}* (${m.env}) on *${m.host}* is in maintenance (for ${formatAge(now - m.at)}, by <@${m.by}>): its proxy answers 503 “${foreignText(m.message)}”`,
    );
  }
  return lines.join("\n");
}

/** Each reachable host's proxy: what runs, or that none does yet. */
function proxyLines(snapshots: readonly HostSnapshot[]): string[] {
  return snapshots.flatMap((snap) => {
    if (!snap.reachable) return [];
    const p = snap.proxy;
    if (!p)
      return [`• proxy on *${snap.host}*: none yet (the first deploy of a project behind it starts one)`];
    const warn = p.state === "running" ? "" : ":warning: ";
    return [`• ${warn}proxy on *${snap.host}*: ${foreignText(p.state)} (${foreignCode(p.image)})`];
  });
}

export function renderHosts(
  fleet: Fleet,
  snapshots: readonly HostSnapshot[],
  agents: readonly AgentState[] = [],
  now = Date.now(),
): string {
  const projectsOn = new Map<string, string[]>();
  const rows = snapshots.map((snap) => {
    const spec = fleet.hosts[snap.host];
    const kind = spec ? connectionKind(spec) : NONE;
    const connection = kind === "plain TCP" ? "plain TCP (INSECURE)" : kind;
    if (!snap.reachable) return [snap.host, `no (${snap.reason})`, NONE, NONE, connection, NONE];
    const projects = [...new Set(snap.managed.map((c) => c.project))].sort();
    if (projects.length > 0) projectsOn.set(snap.host, projects);
    return [
      snap.host,
      "yes",
      snap.dockerVersion,
      `${snap.running}/${snap.total}`,
      connection,
      String(projects.length),
    ];
  });
  const lines = [
    "*Hosts*",
    codeTable(["HOST", "REACHABLE", "DOCKER", "RUNNING/TOTAL", "CONNECTION", "PROJECTS"], rows),
  ];
  // Listed below the table: a host may carry many projects, which would make a row unreadably wide.
  for (const [host, projects] of projectsOn) lines.push(`• *${host}*: ${projects.join(", ")}`);
  for (const agent of agents) {
    lines.push(
      agent.alive
        ? `• agent on *${agent.host}*: running, ${lastSeen(agent, now)}`
        : `:warning: agent on *${agent.host}*: not running (${lastSeen(agent, now)}); its jobs wait for it. Start it on that server: \`npm run agent -- --host ${agent.host}\``,
    );
  }
  if (usesProxy(fleet)) lines.push(...proxyLines(snapshots));
  const insecure = snapshots
    .map((s) => s.host)
    .filter((h) => {
      const spec = fleet.hosts[h];
      return spec !== undefined && connectionKind(spec) === "plain TCP";
    });
  if (insecure.length > 0) {
    lines.push(
      `:warning: ${insecure.join(", ")}: Docker API over plain TCP without TLS — anyone who can reach that port controls the host. Add \`tls:\` to the host in the fleet file.`,
    );
  }
  return lines.join("\n");
}

/** /status and /hosts: live reads from the hosts, in parallel, each within the timeout. */
export class StatusService {
  constructor(private readonly deps: ReadDeps) {}

  async status(asked: StatusPlan): Promise<Reply> {
    const { envs } = asked;
    // Hosts of no environment the requester may see are not even read.
    const seen = envs?.flatMap((e) => this.deps.fleet.environments[e]?.hosts ?? []);
    const plan = seen ? { ...asked, hosts: asked.hosts.filter((h) => seen.includes(h)) } : asked;
    const snapshots = await this.deps.read(plan.hosts, {
      timeoutMs: this.deps.timeoutMs,
      inspect: true,
      ...(plan.project ? { project: plan.project } : {}),
    });
    const maintenance = (await this.deps.maintenance?.().catch(() => [])) ?? [];
    return ephemeral(renderStatus(plan, snapshots, (this.deps.now ?? Date.now)(), maintenance));
  }

  async hosts(plan: HostsPlan): Promise<Reply> {
    const withAgents = plan.hosts.filter((h) => this.deps.fleet.hosts[h]?.agent);
    const [snapshots, agents] = await Promise.all([
      this.deps.read(plan.hosts, { timeoutMs: this.deps.timeoutMs }),
      withAgents.length > 0 && this.deps.agents ? this.deps.agents(withAgents).catch(() => []) : [],
    ]);
    return ephemeral(renderHosts(this.deps.fleet, snapshots, agents, (this.deps.now ?? Date.now)()));
  }
}
