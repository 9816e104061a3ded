import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { fleetSchema } from "../../src/fleet/schema.js";
import { dockerFor } from "./docker.js";
import { need, readFleetEnv } from "./fleet-env.js";

/** A fresh name per test, so tests share one fleet without seeing each other's containers. */
export function uniqueName(prefix = "t"): string {
  return `${prefix}${randomBytes(4).toString("hex")}`;
}

/** Host ports that any container on any test host publishes right now. */
async function portsInUse(fe: Record<string, string>): Promise<Set<number>> {
  const hosts = fleetSchema.shape.hosts.parse({
    a: { docker: need(fe, "HOST_A_DOCKER") },
    b: { docker: need(fe, "HOST_B_DOCKER") },
  });
  const used = new Set<number>();
  for (const [name, spec] of Object.entries(hosts)) {
    const list = await dockerFor(name, spec).listContainers({ all: true });
    for (const c of list) for (const p of c.Ports) if (p.PublicPort) used.add(p.PublicPort);
  }
  return used;
}

/**
 * A host port no other test uses: test files run in parallel processes (and several checkouts
 * may share the fleet), so the counter lives in the fleet's Redis; ports that a leftover
 * container still holds are skipped. It wraps around within 20000–28999.
 */
export async function freePort(): Promise<number> {
  const fe = readFleetEnv();
  const redis = new Redis(need(fe, "REDIS_URL"));
  try {
    const used = await portsInUse(fe);
    while (true) {
      const port = 20_000 + ((await redis.incr("dockops-test:next-port")) % 9_000);
      if (!used.has(port)) return port;
    }
  } finally {
    redis.disconnect();
  }
}
