import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type Docker from "dockerode";
import { COMMANDS } from "../../commands/index.js";
import { loadEnv } from "../../src/env.js";
import { fleetDigest } from "../../src/fleet/load.js";
import { type Fleet, type FleetInput, fleetSchema } from "../../src/fleet/schema.js";
import { createLogger } from "../../src/log.js";
import type { MonitorOptions } from "../../src/monitor/monitor.js";
import { type Role, type Runtime, startRuntime } from "../../src/runtime.js";
import { type CommandSet, commandFor, commandSetFromEnv, typedForm } from "../../src/slack/command-set.js";
import { buttonPressPayload } from "./button.js";
import { dockerFor, removeProject } from "./docker.js";
import { type FleetEnv, need, readFleetEnv } from "./fleet-env.js";
import { uniqueName } from "./names.js";
import { recordAuditStream, recordOutput } from "./secret-scan.js";
import { slashCommandFields } from "./signed-request.js";
import { SlackStandIn } from "./slack-standin.js";
import { httpDoor, type SlackDoor, socketDoor, type Transport } from "./slack-transport.js";
import type { DeliveryFault } from "./socket-mode-link.js";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const HOSTS = ["serverA", "serverB", "serverC"] as const;
export type HostName = (typeof HOSTS)[number];

type ProjectInput = FleetInput["projects"][string];
type EnvironmentInput = FleetInput["environments"][string];

/** The shared test fleet as a fleet file would describe it, with the given projects. */
export function testFleetInput(
  fe: FleetEnv,
  projects: Record<string, ProjectInput>,
  environments: Record<string, EnvironmentInput> = {},
): FleetInput {
  return {
    registry: {
      url: need(fe, "REGISTRY_URL"),
      username: fe.REGISTRY_USERNAME,
      password: fe.REGISTRY_PASSWORD,
      insecure: true,
    },
    hosts: {
      serverA: { docker: need(fe, "HOST_A_DOCKER"), timeout: "10s" },
      serverB: { docker: need(fe, "HOST_B_DOCKER"), timeout: "10s" },
      serverC: {
        docker: need(fe, "HOST_C_DOCKER"),
        tls: {
          ca: need(fe, "HOST_C_TLS_CA"),
          cert: need(fe, "HOST_C_TLS_CERT"),
          key: need(fe, "HOST_C_TLS_KEY"),
        },
        timeout: "10s",
      },
    },
    environments: {
      beta: { channel: "CBETA", hosts: ["serverA", "serverB"] },
      prod: { channel: "CPROD", hosts: ["serverB", "serverC"], approval: { approvers: ["ULEAD", "UOPS"] } },
      ...environments,
    },
    projects,
  };
}

/**
 * The fleet's host f, for a fleet file to name: the one daemon a test may stop while other files
 * run (test/fleet/lib.sh), since none of them use it.
 */
export function faultHostInput(fe: FleetEnv): FleetInput["hosts"][string] {
  return { docker: need(fe, "HOST_F_DOCKER"), timeout: "10s" };
}

export type Harness = {
  /** Redis key prefix of this harness's queue and records. */
  prefix: string;
  fleet: Fleet;
  /** The same fleet as a file (JSON is YAML), for bot or worker processes a test spawns. */
  fleetFile: string;
  fleetEnv: FleetEnv;
  slack: SlackStandIn;
  /** How Slack reaches this bot. */
  transport: Transport;
  /** The slash commands this bot was started with. */
  commands: CommandSet;
  /** Requests each bot replica received, in the order of `botReplicas` (one entry without). */
  replicaHits: number[];
  port: number;
  logs: string[];
  docker: Record<HostName, Docker>;
  addr: Record<HostName, string>;
  /**
   * Sends a slash command the way the transport does; returns the ack. A command this
   * installation has no slash command for (`/status` when only `/deploy` and `/ops` are
   * installed) is sent as the team would type it: `/ops status ...`.
   */
  command: (
    command: string,
    text: string,
    opts?: { user?: string; channel?: string; fault?: DeliveryFault },
  ) => Promise<{ status: number; text: string; responseId: string }>;
  /** Presses a button on a message, as a signed block_actions interaction; returns the ack. */
  press: (
    actionId: string,
    value: string,
    opts: { user: string; messageTs: string; channel?: string },
  ) => Promise<{ status: number; responseId: string }>;
  /** Sends a signed interaction (button press, view_submission) as Slack posts it. */
  interact: (payload: Record<string, unknown>) => Promise<{ status: number; text: string }>;
  /** Sends a signed Events API callback (e.g. app_home_opened). */
  event: (event: Record<string, unknown>) => Promise<{ status: number; text: string }>;
  /** The same press, addressed by message ref (what alert tests hold). */
  pressOn: (
    action: string,
    value: string,
    message: { channel: string; ts: string },
    opts?: { user?: string },
  ) => Promise<{ status: number; responseId: string }>;
  /** Starts one more runtime (e.g. a second monitor) on the same prefix and Slack stand-in. */
  spawn: (roles: Role[]) => Promise<Runtime>;
  /** Stops the harness's own runtime (a bot that goes away), keeping the stand-in and spawned ones. */
  stopMain: () => Promise<void>;
  /**
   * Restarts the harness's own runtime with an edited fleet file (same prefix, same stand-in),
   * as an operator does after changing roles or approvers; later requests go to the new one.
   */
  restartMain: (edit: (input: FleetInput) => FleetInput) => Promise<void>;
  close: () => Promise<void>;
};

/** Sends each request to the next door in turn, counting what each one got. */
function roundRobin(doors: SlackDoor[], hits: number[]): SlackDoor {
  let next = 0;
  const pick = (): SlackDoor => {
    const i = next++ % doors.length;
    hits[i] = (hits[i] ?? 0) + 1;
    return doors[i] as SlackDoor;
  };
  return {
    command: (fields, fault) => pick().command(fields, fault),
    interactive: (payload, fault) => pick().interactive(payload, fault),
    event: (body, fault) => pick().event(body, fault),
  };
}

/** The real bot and a real worker in this process, on the shared fleet, with a private queue. */
export async function startHarness(
  projects: Record<string, ProjectInput>,
  opts: {
    roles?: Role[];
    graceMs?: number;
    /** Another Redis than the fleet's (fault tests that restart it). */
    redisUrl?: string;
    /** Hosts and environments added to the shared fleet's. */
    hosts?: FleetInput["hosts"];
    environments?: FleetInput["environments"];
    configEncryptionKey?: string;
    /** Changes the fleet file before it is parsed (e.g. add `roles`, `allow`, a short `expires`). */
    fleet?: (input: FleetInput) => FleetInput;
    /** Slack user groups the stand-in knows. */
    userGroups?: Record<string, string[]>;
    /** The harness's own runtime follows `fleetFile` (every 200 ms) as `npm start` does. */
    watchFleet?: boolean;
    approvalSweepMs?: number;
    monitor?: Partial<MonitorOptions>;
    alerts?: FleetInput["alerts"];
    /** Signed HTTP requests (default) or Socket Mode through the stand-in. */
    transport?: Transport;
    /**
     * The bot's SLACK_COMMANDS / SLACK_COMMAND_PREFIX / SLACK_UMBRELLA_COMMAND. By default every
     * command that can have its own slash command has one, so older tests type `/logs` directly.
     */
    commands?: { SLACK_COMMANDS?: string; SLACK_COMMAND_PREFIX?: string; SLACK_UMBRELLA_COMMAND?: string };
    /** More of the bot's environment (e.g. DOCKOPS_REGISTRY_EVENTS_TOKEN). */
    env?: Record<string, string>;
    /**
     * More bot processes on the same Redis and prefix (HTTP only): requests go to them in turn,
     * as a round-robin load balancer in front of replicas would send them.
     */
    botReplicas?: number;
  } = {},
): Promise<Harness> {
  const fleetEnv = { ...readFleetEnv(), ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}) };
  const shared = testFleetInput(fleetEnv, projects);
  const merged: FleetInput = {
    ...shared,
    hosts: { ...shared.hosts, ...opts.hosts },
    environments: { ...shared.environments, ...opts.environments },
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
  };
  const input = opts.fleet ? opts.fleet(merged) : merged;
  const fleet = fleetSchema.parse(input);
  const fleetFile = join(mkdtempSync(join(tmpdir(), "dockops-fleet-")), "fleet.yml");
  const fleetText = JSON.stringify(input, null, 2);
  writeFileSync(fleetFile, fleetText);
  const transport = opts.transport ?? "http";
  const slack = new SlackStandIn();
  Object.assign(slack.userGroups, opts.userGroups ?? {});
  await slack.start();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const env = loadEnv({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_APP_TOKEN: transport === "socket" ? "xapp-1-A1-test-token" : undefined,
    SLACK_API_URL: slack.apiUrl,
    ...(opts.commands ?? { SLACK_COMMANDS: "all" }),
    PORT: "0",
    REDIS_URL: need(fleetEnv, "REDIS_URL"),
    LOG_LEVEL: "debug",
    CONFIG_ENCRYPTION_KEY: opts.configEncryptionKey,
    ...opts.env,
  });
  const prefix = uniqueName("q");
  const log = createLogger("debug", sink);
  const startMain = (mainFleet: Fleet, port: number) =>
    startRuntime({
      env: { ...env, PORT: port },
      fleet: mainFleet,
      roles: opts.roles ?? ["bot", "worker"],
      log,
      graceMs: opts.graceMs ?? 1_000,
      prefix,
      approvalSweepMs: opts.approvalSweepMs,
      monitor: opts.monitor,
      ...(opts.watchFleet
        ? { fleetFile: { path: fleetFile, digest: fleetDigest(fleetText), intervalMs: 200 } }
        : {}),
    });
  let runtime: Runtime = await startMain(fleet, env.PORT);
  const extra: Runtime[] = [];
  let mainStopped = false;
  const docker = Object.fromEntries(
    HOSTS.map((h) => [h, dockerFor(h, fleet.hosts[h] as Fleet["hosts"][string])]),
  ) as Record<HostName, Docker>;
  const addr = {
    serverA: need(fleetEnv, "HOST_A_ADDR"),
    serverB: need(fleetEnv, "HOST_B_ADDR"),
    serverC: need(fleetEnv, "HOST_C_ADDR"),
  };
  const doorTo = (port: number | undefined): SlackDoor =>
    transport === "socket" ? socketDoor(slack) : httpDoor(`http://127.0.0.1:${port}`, SIGNING_SECRET);
  let door = doorTo(runtime.port);
  const replicaDoors = [door];
  for (let i = 1; i < (opts.botReplicas ?? 1); i++) {
    const replica = await startRuntime({
      env: { ...env, PORT: 0 },
      fleet,
      roles: ["bot"],
      log,
      graceMs: opts.graceMs ?? 1_000,
      prefix,
      approvalSweepMs: opts.approvalSweepMs,
    });
    extra.push(replica);
    replicaDoors.push(doorTo(replica.port));
  }
  const replicaHits = replicaDoors.map(() => 0);
  if (replicaDoors.length > 1) door = roundRobin(replicaDoors, replicaHits);
  const commands = commandSetFromEnv(env);
  let responses = 0;
  return {
    prefix,
    fleet,
    fleetFile,
    fleetEnv,
    slack,
    transport,
    commands,
    port: runtime.port ?? 0,
    replicaHits,
    logs,
    docker,
    addr,
    command: async (command, text, o = {}) => {
      const responseId = `r${++responses}`;
      const typed = asInstalled(commands, command, text);
      const fields = slashCommandFields({
        ...typed,
        user: o.user ?? "UDEV",
        channel: o.channel ?? "CBETA",
        responseUrl: slack.responseUrl(responseId),
      });
      return { ...(await door.command(fields, o.fault)), responseId };
    },
    press: async (actionId, value, o) => {
      const responseId = `r${++responses}`;
      const payload = buttonPressPayload({
        action: actionId,
        ephemeral: false,
        value,
        user: o.user,
        channel: o.channel ?? "CPROD",
        messageTs: o.messageTs,
        responseUrl: slack.responseUrl(responseId),
      });
      const res = await door.interactive(payload);
      return { status: res.status, responseId };
    },
    pressOn: async (action, value, message, o = {}) => {
      const responseId = `r${++responses}`;
      const payload = buttonPressPayload({
        ephemeral: false,
        action,
        value,
        user: o.user ?? "UDEV",
        channel: message.channel,
        messageTs: message.ts,
        responseUrl: slack.responseUrl(responseId),
      });
      const res = await door.interactive(payload);
      return { status: res.status, responseId };
    },
    interact: (payload) => door.interactive(payload),
    event: (event) =>
      door.event({
        token: "deprecated-verification-token",
        team_id: "T1",
        api_app_id: "A1",
        type: "event_callback",
        event_id: `Ev${Date.now()}${++responses}`,
        event_time: Math.floor(Date.now() / 1000),
        event,
      }),
    spawn: async (roles) => {
      const more = await startRuntime({
        env: { ...env, PORT: 0 },
        fleet,
        roles,
        log,
        prefix,
        monitor: opts.monitor,
      });
      extra.push(more);
      return more;
    },
    stopMain: async () => {
      if (mainStopped) return;
      mainStopped = true;
      await runtime.close();
    },
    restartMain: async (edit) => {
      if (!mainStopped) await runtime.close();
      runtime = await startMain(fleetSchema.parse(edit(input)), 0);
      mainStopped = false;
      door = doorTo(runtime.port);
    },
    close: async () => {
      try {
        for (const more of extra) await more.close();
        if (!mainStopped) await runtime.close();
        recordOutput(`${prefix}-slack`, slack.allText().join("\n"));
        recordOutput(`${prefix}-slack-uploads`, slack.uploads.map((u) => u.body).join("\n"));
        recordOutput(`${prefix}-log`, logs.join(""));
        await recordAuditStream(need(fleetEnv, "REDIS_URL"), prefix).catch(() => {});
      } finally {
        // Whatever failed above: containers left running keep health-checking for the rest of the
        // suite on a shared 2-core machine, slowing every test after this one.
        await Promise.all(
          Object.keys(projects).flatMap((p) => HOSTS.map((h) => removeProject(docker[h], p).catch(() => {}))),
        );
        await slack.stop();
      }
    },
  };
}

/** `/status beta` as the team types it where `/status` has no slash command of its own: `/ops status beta`. */
function asInstalled(set: CommandSet, command: string, text: string): { command: string; text: string } {
  const name = command.replace(/^\//, "");
  if (commandFor(set, command) || !COMMANDS.some((c) => c.name === name)) return { command, text };
  const [slash, ...words] = typedForm(set, name).split(" ");
  return { command: slash as string, text: [...words, text].join(" ").trim() };
}
