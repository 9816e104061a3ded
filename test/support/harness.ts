import { Writable } from "node:stream";
import type Docker from "dockerode";
import { loadEnv } from "../../src/env.js";
import { type Fleet, type FleetInput, fleetSchema } from "../../src/fleet/schema.js";
import { createLogger } from "../../src/log.js";
import type { MonitorOptions } from "../../src/monitor/monitor.js";
import { type Role, type Runtime, startRuntime } from "../../src/runtime.js";
import { dockerFor, removeProject } from "./docker.js";
import { type FleetEnv, need, readFleetEnv } from "./fleet-env.js";
import { uniqueName } from "./names.js";
import { blockActionsBody, sendSigned, slashCommandBody } from "./signed-request.js";
import { SlackStandIn } from "./slack-standin.js";

export const SIGNING_SECRET = "test-signing-secret-0123456789";
export const HOSTS = ["serverA", "serverB", "serverC"] as const;
export type HostName = (typeof HOSTS)[number];

type ProjectInput = FleetInput["projects"][string];

/** The shared test fleet as a fleet file would describe it, with the given projects. */
export function testFleetInput(fe: FleetEnv, projects: Record<string, ProjectInput>): FleetInput {
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
    },
    projects,
  };
}

export type Harness = {
  /** Redis key prefix of this harness's queue and records. */
  prefix: string;
  fleet: Fleet;
  fleetEnv: FleetEnv;
  slack: SlackStandIn;
  port: number;
  logs: string[];
  docker: Record<HostName, Docker>;
  addr: Record<HostName, string>;
  /** Sends a signed slash command; returns Bolt's HTTP answer (the ack). */
  command: (
    command: string,
    text: string,
    opts?: { user?: string; channel?: string },
  ) => Promise<{ status: number; text: string; responseId: string }>;
  /** Presses a button of a posted message with a signed `block_actions` request. */
  press: (
    action: string,
    value: string,
    message: { channel: string; ts: string },
    opts?: { user?: string },
  ) => Promise<{ status: number; responseId: string }>;
  /** Starts one more runtime (e.g. a second monitor) on the same prefix and Slack stand-in. */
  spawn: (roles: Role[]) => Promise<Runtime>;
  close: () => Promise<void>;
};

/** The real bot and a real worker in this process, on the shared fleet, with a private queue. */
export async function startHarness(
  projects: Record<string, ProjectInput>,
  opts: {
    roles?: Role[];
    graceMs?: number;
    monitor?: Partial<MonitorOptions>;
    alerts?: FleetInput["alerts"];
  } = {},
): Promise<Harness> {
  const fleetEnv = readFleetEnv();
  const fleet = fleetSchema.parse({
    ...testFleetInput(fleetEnv, projects),
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
  });
  const slack = new SlackStandIn();
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
    SLACK_API_URL: slack.apiUrl,
    PORT: "0",
    REDIS_URL: need(fleetEnv, "REDIS_URL"),
    LOG_LEVEL: "debug",
  });
  const prefix = uniqueName("q");
  const log = createLogger("debug", sink);
  const runtime: Runtime = await startRuntime({
    env,
    fleet,
    roles: opts.roles ?? ["bot", "worker"],
    log,
    graceMs: opts.graceMs ?? 1_000,
    prefix,
    monitor: opts.monitor,
  });
  const extra: Runtime[] = [];
  const docker = Object.fromEntries(
    HOSTS.map((h) => [h, dockerFor(h, fleet.hosts[h] as Fleet["hosts"][string])]),
  ) as Record<HostName, Docker>;
  const addr = {
    serverA: need(fleetEnv, "HOST_A_ADDR"),
    serverB: need(fleetEnv, "HOST_B_ADDR"),
    serverC: need(fleetEnv, "HOST_C_ADDR"),
  };
  const base = `http://127.0.0.1:${runtime.port}`;
  let responses = 0;
  return {
    prefix,
    fleet,
    fleetEnv,
    slack,
    port: runtime.port ?? 0,
    logs,
    docker,
    addr,
    command: async (command, text, o = {}) => {
      const responseId = `r${++responses}`;
      const body = slashCommandBody({
        command,
        text,
        user: o.user ?? "UDEV",
        channel: o.channel ?? "CBETA",
        responseUrl: slack.responseUrl(responseId),
      });
      const res = await sendSigned(base, body, { secret: SIGNING_SECRET });
      return { status: res.status, text: await res.text(), responseId };
    },
    press: async (action, value, message, o = {}) => {
      const responseId = `r${++responses}`;
      const body = blockActionsBody({
        action,
        value,
        user: o.user ?? "UDEV",
        channel: message.channel,
        messageTs: message.ts,
        responseUrl: slack.responseUrl(responseId),
      });
      const res = await sendSigned(base, body, { secret: SIGNING_SECRET });
      return { status: res.status, responseId };
    },
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
    close: async () => {
      for (const more of extra) await more.close();
      await runtime.close();
      await Promise.all(
        Object.keys(projects).flatMap((p) => HOSTS.map((h) => removeProject(docker[h], p).catch(() => {}))),
      );
      await slack.stop();
    },
  };
}
