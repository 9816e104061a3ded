/**
 * The Redis keys of one host's agent. Everything an agent may touch starts with `scope`, so its
 * Redis ACL user is one key pattern (see acl.ts).
 */
export type AgentKeys = {
  /** `<prefix>:agent:<host>:` — every key below starts with it. */
  scope: string;
  /** Set by the running agent with a short expiry; holds that agent's instance id. */
  alive: string;
  /** The agent's version and when it was last seen; kept after it stops, for /hosts. */
  info: string;
  /** Frames for the agent: tunnels opened, bytes for Docker, tunnels closed. */
  down: string;
  /** Frames from the agent for one relay (a worker or monitor process). */
  up: (relayId: string) => string;
};

export function agentKeys(prefix: string, host: string): AgentKeys {
  const scope = `${prefix}:agent:${host}:`;
  return {
    scope,
    alive: `${scope}alive`,
    info: `${scope}info`,
    down: `${scope}down`,
    up: (relayId) => `${scope}up:${relayId}`,
  };
}
