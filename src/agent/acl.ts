import { agentKeys } from "./keys.js";

/** The Redis user an agent connects as: one per installation (prefix) and host. */
export function agentUser(prefix: string, host: string): string {
  return `${prefix}-agent-${host}`;
}

/**
 * The `ACL SETUSER` line for a host's agent: its own keys only (no queue, config, deploy or
 * audit key of anyone), no Pub/Sub channels, and only the commands the agent sends — stream
 * reads and writes, its heartbeat, and what the Redis client says when it connects.
 */
export function agentAcl(prefix: string, host: string, password: string): string {
  const commands = [
    "+xadd",
    "+xread",
    "+xtrim",
    "+set",
    "+get",
    "+del",
    "+pttl",
    "+ping",
    "+info",
    "+hello",
    "+auth",
    "+select",
    "+client|setname",
    "+client|getname",
    "+quit",
  ];
  return [
    "ACL SETUSER",
    agentUser(prefix, host),
    "reset",
    "on",
    `>${password}`,
    `~${agentKeys(prefix, host).scope}*`,
    "resetchannels",
    "-@all",
    ...commands,
  ].join(" ");
}
