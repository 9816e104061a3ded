import type { FleetReader, HostSnapshot, SnapshotOptions } from "../docker/snapshot.js";

/**
 * Joins reads of a host that are already under way with the same options instead of starting
 * another: a burst of `/status` (a team looking at an incident together) then costs the hosts
 * one read each while it lasts, not one per command. Each answer is read after its command
 * arrived or while it was being read; nothing is kept once the read ends.
 */
export function sharedFleetReader(read: FleetReader): FleetReader {
  const inFlight = new Map<string, Promise<HostSnapshot>>();
  return async (hosts, opts) => {
    const options = optionsKey(opts);
    const key = (host: string) => `${host}\u0000${options}`;
    const missing = hosts.filter((host) => !inFlight.has(key(host)));
    if (missing.length > 0) {
      const batch = read(missing, opts);
      missing.forEach((host, i) => {
        const one = batch.then((snapshots) => snapshots[i] as HostSnapshot);
        inFlight.set(key(host), one);
        const forget = () => {
          if (inFlight.get(key(host)) === one) inFlight.delete(key(host));
        };
        one.then(forget, forget);
      });
    }
    return Promise.all(hosts.map((host) => inFlight.get(key(host)) as Promise<HostSnapshot>));
  };
}

function optionsKey(opts: SnapshotOptions): string {
  return JSON.stringify([opts.timeoutMs, opts.inspect ?? false, opts.project ?? "", opts.proxyName ?? ""]);
}
