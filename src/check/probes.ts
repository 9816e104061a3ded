import { type AgentState, lastSeen } from "../agent/liveness.js";
import { RegistryError } from "../errors.js";
import { connectionKind } from "../fleet/connection.js";
import type { Fleet, HostSpec } from "../fleet/schema.js";
import type { RegistryClient } from "../registry/client.js";

export type CheckRow = {
  /** What was checked, e.g. "host serverA", "project a1". */
  what: string;
  status: "ok" | "warn" | "FAIL";
  detail: string;
  /** What to do about a warn or FAIL. */
  fix: string;
};

const row = (what: string, status: CheckRow["status"], detail: string, fix = ""): CheckRow => ({
  what,
  status,
  detail,
  fix,
});

/** Plain TCP to another machine: whoever reaches the port controls the host. */
function exposed(spec: HostSpec): boolean {
  if (spec.tls || !spec.docker?.startsWith("tcp://")) return false;
  const host = new URL(spec.docker.replace(/^tcp:/, "http:")).hostname;
  return !["127.0.0.1", "localhost", "[::1]"].includes(host);
}

/** One Docker host: its daemon's version over the transport the fleet file gives. */
export async function probeHost(
  name: string,
  spec: HostSpec,
  version: () => Promise<{ Version?: string }>,
): Promise<CheckRow> {
  const what = `host ${name}`;
  try {
    const v = await version();
    const detail = `Docker ${v.Version ?? "?"}, ${connectionKind(spec)} (${spec.docker ?? "through its agent"})`;
    if (exposed(spec)) {
      return row(
        what,
        "warn",
        detail,
        "plain TCP lets anyone who reaches the port run containers; use tls (port 2376)",
      );
    }
    return row(what, "ok", detail);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return row(
      what,
      "FAIL",
      `${spec.docker} unreachable (${reason.split("\n")[0]})`,
      spec.tls
        ? `check that dockerd runs there with --tlsverify, the port is open to this machine, and hosts.${name}.tls names readable files`
        : `check that dockerd runs there and listens at ${spec.docker}, and the port is open to this machine`,
    );
  }
}

/** A host reached through its agent: the agent's heartbeat in Redis stands for the daemon. */
export function probeAgent(state: AgentState): CheckRow {
  const what = `host ${state.host}`;
  if (state.alive) return row(what, "ok", `agent, running, ${lastSeen(state)}`);
  return row(
    what,
    "FAIL",
    `agent not running (${lastSeen(state)})`,
    `start it on that server: npm run agent -- --host ${state.host} (docs/scale-out.md, "Host agents")`,
  );
}

/** The registry (answers, takes the credentials) and, per project, its repository and default tag. */
export async function probeRegistry(fleet: Fleet, registry: RegistryClient): Promise<CheckRow[]> {
  const spec = fleet.registry;
  const what = `registry ${spec.url}`;
  const how = `${spec.insecure ? "plain HTTP" : "HTTPS"}${spec.username ? `, as ${spec.username}` : ", anonymous"}`;
  try {
    await registry.ping();
  } catch (err) {
    return [row(what, "FAIL", `${how}: ${message(err)}`, registryFix(message(err)))];
  }
  const rows = [
    spec.insecure && spec.username
      ? row(
          what,
          "warn",
          how,
          "the password crosses the network in clear; serve HTTPS (registry.ca for an internal CA)",
        )
      : row(what, "ok", how),
  ];
  for (const [name, project] of Object.entries(fleet.projects)) {
    rows.push(await probeProject(name, project.image, project.tag, registry));
  }
  return rows;
}

async function probeProject(
  name: string,
  image: string,
  tag: string,
  registry: RegistryClient,
): Promise<CheckRow> {
  const what = `project ${name}`;
  try {
    const tags = await registry.listTags(image);
    if (tags.length === 0) {
      return row(
        what,
        "FAIL",
        `repository ${image} does not exist`,
        `push an image to ${image}, or fix projects.${name}.image`,
      );
    }
    const digest = await registry.resolveDigest(image, tag);
    return row(what, "ok", `${image}:${tag} → ${digest.slice(0, 19)}…`);
  } catch (err) {
    const fix =
      err instanceof RegistryError && /is not in the registry/.test(err.message)
        ? `push ${image}:${tag}, or set projects.${name}.tag to one of the pushed tags`
        : registryFix(message(err));
    return row(what, "FAIL", message(err), fix);
  }
}

function registryFix(reason: string): string {
  if (/credentials/.test(reason))
    return "check registry.username and registry.password (and the variables they read)";
  if (/certificate/.test(reason))
    return "set registry.ca to the PEM file of the CA that signed the registry's certificate";
  return "check registry.url, registry.insecure (plain HTTP or HTTPS) and that this machine reaches it";
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
