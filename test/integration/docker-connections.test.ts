import dc from "node:diagnostics_channel";
import { afterAll, describe, expect, it } from "vitest";
import { DockerHosts, dockerOptions } from "../../src/docker/connect.js";
import { snapshotHost } from "../../src/docker/snapshot.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { readFleetEnv } from "../support/fleet-env.js";
import { HOSTS, testFleetInput } from "../support/harness.js";

const fleet = fleetSchema.parse(testFleetInput(readFleetEnv(), {}));
const hosts = new DockerHosts(fleet.hosts);

/** HTTP responses of this process that came over a connection opened for them. */
let fresh = 0;
const onResponse = (message: unknown) => {
  if (!(message as { request: { reusedSocket: boolean } }).request.reusedSocket) fresh++;
};
dc.subscribe("http.client.response.finish", onResponse);
afterAll(() => {
  dc.unsubscribe("http.client.response.finish", onResponse);
});

describe("Docker connections", () => {
  // A /status reads every host again within seconds; a new TCP (and TLS) connection per request
  // would be paid by every read.
  it.each(HOSTS)("a read of %s reuses the connections of the read before", async (host) => {
    const read = () => snapshotHost(host, () => hosts.get(host), { timeoutMs: 10_000, inspect: true });
    expect((await read()).reachable).toBe(true);
    const before = fresh;
    expect((await read()).reachable).toBe(true);
    expect(fresh - before).toBe(0);
  });

  it("gives dockerode no agent of its own, which docker-modem would format on every request", () => {
    for (const host of HOSTS) {
      expect(dockerOptions(host, fleet.hosts[host] as (typeof fleet.hosts)[string])).not.toHaveProperty(
        "agent",
      );
    }
  });
});
