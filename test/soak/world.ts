import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { type Fleet, type FleetInput, fleetSchema } from "../../src/fleet/schema.js";
import { dockerFor } from "../support/docker.js";
import { type FleetEnv, need, readFleetEnv } from "../support/fleet-env.js";
import { localFreePort, type RedisServer, startRedisServer } from "../support/redis-server.js";
import { SlackStandIn } from "../support/slack-standin.js";
import { RoleProcess } from "./role-process.js";

const run = promisify(execFile);
export const FLEET_DIR = fileURLToPath(new URL("../fleet", import.meta.url));

/** The soak's own hosts (test/fleet/soak-hosts.sh): faults land there, never on serverA/B/C. */
export const SOAK_HOSTS = { soakA: "s1", soakB: "s2" } as const;
export type SoakHost = keyof typeof SOAK_HOSTS;
export const HOST_NAMES = Object.keys(SOAK_HOSTS) as SoakHost[];
export const PROJECTS = ["sk1", "sk2", "sk3"] as const;
export const SIGNING_SECRET = "soak-signing-secret-0123456789";
export const APPROVERS = ["ULEAD", "UOPS"] as const;
const SOAK_REGISTRY = "10.250.0.1:5001";

export type World = {
  dir: string;
  prefix: string;
  fleet: Fleet;
  fleetEnv: FleetEnv;
  slack: SlackStandIn;
  redis: RedisServer;
  redisPort: number;
  redisDir: string;
  botPort: number;
  docker: Record<SoakHost, Docker>;
  bot: RoleProcess;
  workers: RoleProcess[];
  monitor: RoleProcess;
  /** The soak's Redis again, on the same port and AOF, after a kill -9. */
  restartRedis: () => Promise<void>;
  close: () => Promise<void>;
  /** Deletes the run directory and the Redis data (kept when the checker found a violation). */
  discard: () => void;
};

function soakFleet(fe: FleetEnv): FleetInput {
  const host = (addr: string) => ({ docker: `tcp://${addr}:2375`, timeout: "5s" });
  const project = { image: "web", tag: "v1", verify: "2s", stopTimeout: "2s", keep: 2 };
  return {
    registry: {
      url: SOAK_REGISTRY,
      username: fe.REGISTRY_USERNAME,
      password: fe.REGISTRY_PASSWORD,
      insecure: true,
    },
    hosts: { soakA: host("10.250.0.5"), soakB: host("10.250.0.6") },
    environments: {
      beta: { channel: "CBETA", hosts: ["soakA", "soakB"] },
      prod: { channel: "CPROD", hosts: ["soakA", "soakB"], approval: { approvers: [...APPROVERS] } },
    },
    projects: Object.fromEntries(PROJECTS.map((p) => [p, project])),
  } as FleetInput;
}

/** Starts the soak hosts and registry (idempotent) after the shared fleet is up. */
export async function ensureSoakHosts(): Promise<void> {
  await run("bash", [join(FLEET_DIR, "up.sh")], { maxBuffer: 1 << 24 });
  await run("bash", [join(FLEET_DIR, "soak-hosts.sh"), "up"], { maxBuffer: 1 << 24 });
}

/** Removes every container the bot manages on the soak hosts. */
async function clearHosts(docker: Record<SoakHost, Docker>): Promise<void> {
  for (const d of Object.values(docker)) {
    const old = await d.listContainers({ all: true, filters: { label: ["dockops.managed=true"] } });
    await Promise.all(
      old.map((c) =>
        d
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
  }
}

/** Everything a soak runs on: its Redis (AOF, appendfsync always), hosts, stand-in, processes. */
export async function startWorld(opts: { workerLockMs: number; encryptionKey: string }): Promise<World> {
  const fleetEnv = readFleetEnv();
  const input = soakFleet(fleetEnv);
  const fleet = fleetSchema.parse(input);
  const dir = mkdtempSync(join(tmpdir(), "dockops-soak-"));
  const fleetFile = join(dir, "fleet.yml");
  writeFileSync(fleetFile, JSON.stringify(input, null, 2), { mode: 0o600 });
  const docker = Object.fromEntries(
    HOST_NAMES.map((h) => [h, dockerFor(h, fleet.hosts[h] as Fleet["hosts"][string])]),
  ) as Record<SoakHost, Docker>;
  // The soak hosts are the soak's alone (one soak at a time, see soak-lock.ts): start clean.
  await clearHosts(docker);
  const redisPort = await localFreePort();
  const redisDir = mkdtempSync(join(tmpdir(), "dockops-soak-redis-"));
  let redis = await startRedisServer({ port: redisPort, dir: redisDir, fsync: "always" });
  const slack = new SlackStandIn();
  await slack.start();
  const botPort = await localFreePort();
  const prefix = `soak${Date.now().toString(36)}`;
  const common = {
    PATH: process.env.PATH ?? "",
    REDIS_URL: redis.url,
    FLEET_FILE: fleetFile,
    DOCKOPS_PREFIX: prefix,
    LOG_LEVEL: "info",
    CONFIG_ENCRYPTION_KEY: opts.encryptionKey,
    WORKER_LOCK_MS: String(opts.workerLockMs),
    WORKER_CONCURRENCY: "4",
  };
  const bot = new RoleProcess("bot", dir, {
    ...common,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: "xoxb-soak-token",
    SLACK_API_URL: slack.apiUrl,
    PORT: String(botPort),
    // The simulated users type every command as its own slash command.
    SLACK_COMMANDS: "all",
  });
  const workers = [1, 2].map((n) => new RoleProcess("worker", dir, common, n));
  const monitor = new RoleProcess("monitor", dir, {
    ...common,
    SLACK_BOT_TOKEN: "xoxb-soak-token",
    SLACK_API_URL: slack.apiUrl,
  });
  await Promise.all([bot.start(), ...workers.map((w) => w.start()), monitor.start()]);
  const world: World = {
    dir,
    prefix,
    fleet,
    fleetEnv,
    slack,
    redis,
    redisPort,
    redisDir,
    botPort,
    docker,
    bot,
    workers,
    monitor,
    restartRedis: async () => {
      redis = await startRedisServer({ port: redisPort, dir: redisDir, fsync: "always" });
      world.redis = redis;
    },
    close: async () => {
      for (const p of [bot, ...workers, monitor]) await p.stop();
      await world.redis.kill();
      await slack.stop();
      // Checked by now: containers left running would health-check through the tests after it.
      await clearHosts(docker);
    },
    discard: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(redisDir, { recursive: true, force: true });
    },
  };
  return world;
}

export function soakRegistryPassword(fe: FleetEnv): string {
  return need(fe, "REGISTRY_PASSWORD");
}
