import type { HostSpec } from "./schema.js";

export type ConnectionKind = "agent" | "unix socket" | "TLS" | "plain TCP";

/** How the bot reaches a host's Docker API; plain TCP without TLS lets anyone on the network in. */
export function connectionKind(spec: HostSpec): ConnectionKind {
  if (spec.agent || !spec.docker) return "agent";
  if (spec.docker.startsWith("unix://")) return "unix socket";
  return spec.tls ? "TLS" : "plain TCP";
}
