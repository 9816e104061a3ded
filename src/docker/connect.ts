import { readFileSync } from "node:fs";
import Docker from "dockerode";
import { ConfigError, errorMessage } from "../errors.js";
import type { HostSpec } from "../fleet/schema.js";

/**
 * Turns a fleet host entry into dockerode options: a unix socket, plain TCP, or TCP with TLS.
 *
 * No `agent`: Node's global agents already keep each host's connections alive, so a read reuses
 * the sockets of the one before (test/integration/docker-connections.test.ts). docker-modem
 * formats every request's options with `util.inspect(…, { depth: null })`, agent included:
 * measured on the test fleet, an agent passed here cost 4 ms of CPU per request over plain TCP and
 * 20 ms over TLS, against 0.5 ms without.
 */
export function dockerOptions(name: string, spec: HostSpec, relays?: AgentSockets): Docker.DockerOptions {
  const timeout = spec.timeout;
  if (spec.agent) {
    if (!relays)
      throw new ConfigError(`host ${name} is reached through its agent, and this process relays none`);
    return { socketPath: relays.socketPath(name), timeout };
  }
  if (!spec.docker) throw new ConfigError(`hosts.${name}: no docker address`);
  if (spec.docker.startsWith("unix://")) {
    return { socketPath: spec.docker.slice("unix://".length), timeout };
  }
  const url = new URL(spec.docker.replace(/^tcp:/, "http:"));
  const base = { host: url.hostname, port: Number(url.port), timeout };
  if (!spec.tls) return { ...base, protocol: "http" };
  const read = (path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`hosts.${name}.tls: cannot read ${path} (${errorMessage(err)})`);
    }
  };
  return {
    ...base,
    protocol: "https",
    ca: read(spec.tls.ca),
    cert: read(spec.tls.cert),
    key: read(spec.tls.key),
  };
}

/** Where a host with an agent is reached: a local socket its relay serves (src/agent/relay.ts). */
export type AgentSockets = { socketPath: (host: string) => string };

/** One dockerode client per host, created on first use. */
export class DockerHosts {
  private readonly clients = new Map<string, Docker>();

  constructor(
    private readonly hosts: Record<string, HostSpec>,
    private readonly relays?: AgentSockets,
  ) {}

  /**
   * A client without the host's idle timeout, for streams that may rightly stay silent for long
   * (a build step compiling quietly); its caller bounds the whole call instead.
   */
  untimed(name: string): Docker {
    const spec = this.hosts[name];
    if (!spec) throw new ConfigError(`no host ${name} in the fleet file`);
    return new Docker({ ...dockerOptions(name, spec, this.relays), timeout: undefined });
  }

  get(name: string): Docker {
    let client = this.clients.get(name);
    if (!client) {
      const spec = this.hosts[name];
      if (!spec) throw new ConfigError(`no host ${name} in the fleet file`);
      client = new Docker(dockerOptions(name, spec, this.relays));
      this.clients.set(name, client);
    }
    return client;
  }
}
