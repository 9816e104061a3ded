import type { DeployRecord, HostStatus } from "../../src/deploys/store.js";

/** A deploy record of project a1 for pure tests of what is read from history. */
export function deployRecord(
  id: string,
  tag: string,
  hosts: Record<string, HostStatus>,
  env = "beta",
): DeployRecord {
  const meta = {
    id,
    project: "a1",
    env,
    tag,
    hosts: Object.keys(hosts),
    requestedBy: "U1",
    channel: "C",
    createdAt: 0,
  };
  return { meta, hosts };
}
