import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { localFreePort, type RedisServer, spawnUntil, startRedisServer } from "./redis-server.js";

export type Switch = { from: number; to: number; ms: number };

export type SentinelSet = {
  /** The redis+sentinel:// URL the processes under test get. */
  url: string;
  name: string;
  /** The port of the server the sentinels name as master now. */
  masterPort: () => Promise<number>;
  /** `SENTINEL FAILOVER`, then waits until the sentinels name the other server. */
  failover: () => Promise<Switch>;
  /**
   * SIGKILLs the master and waits until the sentinels promote the replica; `restart` brings the
   * killed server back on its port and data, and the sentinels make it the new master's replica.
   */
  crashMaster: () => Promise<Switch & { restart: () => Promise<void> }>;
  /** Waits until the master has `count` replicas with a working link. */
  replicasOnline: (count: number, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
};

async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A master, one replica and three sentinels (quorum 2) of Debian's redis-server/redis-sentinel
 * on free local ports in `dir`: the fleet's Redis is shared by every test file and must never
 * fail over. Each sentinel rewrites its own config file, as sentinels do.
 */
export async function startSentinelSet(dir: string, name = "dockops"): Promise<SentinelSet> {
  const processes: RedisServer[] = [];
  const servers = new Map<number, { dir: string; process: RedisServer }>();
  const clients: Redis[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const p of processes.reverse()) await p.kill();
    for (const server of servers.values()) await server.process.kill();
  };
  try {
    const masterPort = await localFreePort();
    const replicaPort = await localFreePort();
    for (const [port, role] of [
      [masterPort, "master"],
      [replicaPort, "replica"],
    ] as const) {
      const own = join(dir, role);
      mkdirSync(own, { recursive: true });
      const extra = role === "replica" ? ["--replicaof", "127.0.0.1", String(masterPort)] : [];
      servers.set(port, { dir: own, process: await startRedisServer({ port, dir: own, extra }) });
    }
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await localFreePort();
      const own = join(dir, `sentinel-${i}`);
      mkdirSync(own, { recursive: true });
      const conf = join(own, "sentinel.conf");
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${own}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} 2000`,
          `sentinel failover-timeout ${name} 10000`,
          "",
        ].join("\n"),
      );
      processes.push(await spawnUntil("redis-sentinel", [conf], "+monitor master", port));
      sentinelPorts.push(port);
    }
    const sentinels = sentinelPorts.map((port) => new Redis({ port, host: "127.0.0.1", lazyConnect: false }));
    clients.push(...sentinels);
    const first = sentinels[0] as Redis;
    const masterOf = async () => {
      const addr = (await first.call("SENTINEL", "get-master-addr-by-name", name)) as [string, string] | null;
      return addr ? Number(addr[1]) : undefined;
    };
    const switched = async (from: number, started: number): Promise<Switch> => {
      const to = await poll("the sentinels to name a new master", 30_000, async () => {
        const now = await masterOf();
        return now !== undefined && now !== from ? now : undefined;
      });
      return { from, to, ms: Math.round(performance.now() - started) };
    };
    const set: SentinelSet = {
      url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(",")}/${name}`,
      name,
      masterPort: async () => (await masterOf()) ?? 0,
      failover: async () => {
        const from = (await masterOf()) ?? 0;
        const started = performance.now();
        await first.call("SENTINEL", "FAILOVER", name);
        return switched(from, started);
      },
      crashMaster: async () => {
        const from = (await masterOf()) ?? 0;
        const server = servers.get(from);
        if (!server) throw new Error(`no server of this set on port ${from}`);
        const started = performance.now();
        await server.process.kill();
        const done = await switched(from, started);
        const restart = async () => {
          server.process = await startRedisServer({ port: from, dir: server.dir });
        };
        return { ...done, restart };
      },
      replicasOnline: async (count, timeoutMs = 30_000) => {
        await poll(`${count} replica(s) in sync`, timeoutMs, async () => {
          const master = new Redis({ port: (await masterOf()) ?? 0, host: "127.0.0.1", lazyConnect: true });
          try {
            await master.connect();
            const info = await master.info("replication");
            const online = info.split("\n").filter((l) => /^slave\d+:.*state=online/.test(l)).length;
            return online >= count ? true : undefined;
          } finally {
            master.disconnect();
          }
        });
      },
      stop,
    };
    // A forced failover needs a replica the sentinels have found (they ask the master every 10 s).
    await poll("the sentinels to find the replica", 30_000, async () => {
      for (const s of sentinels) {
        const replicas = (await s.call("SENTINEL", "REPLICAS", name)) as string[][];
        if (replicas.length < 1) return undefined;
      }
      return true;
    });
    await set.replicasOnline(1);
    return set;
  } catch (err) {
    await stop();
    throw err;
  }
}
