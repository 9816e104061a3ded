import { execFile } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSchema } from "../../src/fleet/schema.js";
import { dockerFor, removeProject } from "../support/docker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { testFleetInput } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { recordOutput } from "../support/secret-scan.js";
import { sendSigned, slashCommandBody } from "../support/signed-request.js";
import { blocksText, SlackStandIn } from "../support/slack-standin.js";

/**
 * docker-compose.yml itself, brought up with docker-compose on one of the test hosts (serverA's
 * daemon) and pointed at the whole test fleet. Only what cannot come from Docker Hub here is
 * overridden: the images (made from this machine's binaries), the fleet file and certificates,
 * serverA's socket path, and the Slack API address (the stand-in).
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const fe = readFleetEnv();
const SOCKET = need(fe, "HOST_A_SOCK").replace(/^unix:\/\//, "");
const SIGNING_SECRET = "compose-signing-secret-0123456789";
const composeProject = uniqueName("dockopscompose");
const app = uniqueName("cu");
const APP_IMAGE = `dockops-test/app:${composeProject}`;
const NODE_BASE = "dockops-test/node:20";
const REDIS_IMAGE = "dockops-test/redis:7";
const dir = mkdtempSync(join(tmpdir(), "dockops-compose-"));
const slack = new SlackStandIn();
let botUrl = "";
let env: Record<string, string> = {};
let responses = 0;

const compose = (...args: string[]) =>
  run(
    "docker-compose",
    ["-f", join(ROOT, "docker-compose.yml"), "-f", join(dir, "docker-compose.test.yml"), ...args],
    { cwd: ROOT, env, maxBuffer: 20_000_000 },
  );

/** The fleet file as the containers see it: serverA through the mounted socket, serverC with TLS. */
function writeFleet(): string {
  const input = testFleetInput(fe, { [app]: { image: "web", tag: "v1", verify: "1s" } });
  const certs = join(dir, "certs");
  mkdirSync(certs);
  const gid = statSync(SOCKET).gid;
  for (const [key, file] of [
    ["HOST_C_TLS_CA", "ca.pem"],
    ["HOST_C_TLS_CERT", "cert.pem"],
    ["HOST_C_TLS_KEY", "key.pem"],
  ] as const) {
    copyFileSync(need(fe, key), join(certs, file));
    // As README asks: readable by the containers' user through the DOCKER_GID group, not by all.
    chownSync(join(certs, file), 0, gid);
    chmodSync(join(certs, file), 0o640);
  }
  const fleet = {
    ...input,
    // The credentials come from the environment, as in a real fleet file next to .env.
    registry: {
      ...input.registry,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a fleet-file variable, not a template
      username: "${REGISTRY_USERNAME}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a fleet-file variable, not a template
      password: "${REGISTRY_PASSWORD}",
    },
    hosts: {
      serverA: { docker: "unix:///var/run/docker.sock", timeout: "10s" },
      serverB: { docker: need(fe, "HOST_B_DOCKER"), timeout: "10s" },
      serverC: {
        docker: need(fe, "HOST_C_DOCKER"),
        tls: {
          ca: "/etc/dockops/certs/ca.pem",
          cert: "/etc/dockops/certs/cert.pem",
          key: "/etc/dockops/certs/key.pem",
        },
        timeout: "10s",
      },
    },
  };
  const file = join(dir, "fleet.yml");
  writeFileSync(file, JSON.stringify(fleet, null, 2));
  chmodSync(file, 0o644);
  chmodSync(dir, 0o755);
  return file;
}

function writeOverride(fleetFile: string): void {
  const fleetMount = `${fleetFile}:/etc/dockops/fleet.yml:ro`;
  const docker = [
    fleetMount,
    `${join(dir, "certs")}:/etc/dockops/certs:ro`,
    `${SOCKET}:/var/run/docker.sock`,
  ];
  const slackApi = { SLACK_API_URL: slack.apiUrl };
  const override = {
    version: "3.8",
    services: {
      redis: { image: REDIS_IMAGE },
      bot: { image: APP_IMAGE, environment: slackApi, volumes: [fleetMount] },
      worker: { image: APP_IMAGE, volumes: docker },
      monitor: { image: APP_IMAGE, environment: slackApi, volumes: docker },
    },
  };
  writeFileSync(join(dir, "docker-compose.test.yml"), JSON.stringify(override, null, 2));
}

async function waitForBot(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${botUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const logs = await compose("logs", "--no-color", "--tail", "40").catch((e: { stdout?: string }) => e);
  throw new Error(
    `the compose bot did not answer /healthz (${last}):\n${(logs as { stdout?: string }).stdout}`,
  );
}

/** A signed slash command to the compose bot; returns Bolt's ack and where a reply would go. */
async function send(command: string, text: string): Promise<{ ack: string; responseId: string }> {
  const responseId = `c${++responses}`;
  const body = slashCommandBody({
    command,
    text,
    user: "UDEV",
    channel: "CBETA",
    responseUrl: slack.responseUrl(responseId),
  });
  const res = await sendSigned(botUrl, body, { secret: SIGNING_SECRET });
  expect(res.status).toBe(200);
  return { ack: await res.text(), responseId };
}

/** What the requester saw: the ack's own text, else the response_url reply. */
async function ask(command: string, text: string): Promise<string> {
  const { ack, responseId } = await send(command, text);
  if (ack.trim() !== "") return (JSON.parse(ack) as { text: string }).text;
  const reply = await slack.waitFor(
    () => slack.responses.find((r) => r.id === responseId),
    40_000,
    `the reply to ${command} ${text}`,
  );
  return blocksText(reply.body);
}

beforeAll(async () => {
  // The registry listens on the fleet's bridge, which every test host's containers can reach.
  await slack.start(need(fe, "REGISTRY_URL").split(":")[0]);
  const port = await freePort();
  botUrl = `http://${need(fe, "HOST_A_ADDR")}:${port}`;
  env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    DOCKER_HOST: `unix://${SOCKET}`,
    COMPOSE_PROJECT_NAME: composeProject,
    SLACK_BOT_TOKEN: "xoxb-compose-test",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    // Derived as README says: the group that owns the Docker socket (root:docker 660 here).
    DOCKER_GID: String(statSync(SOCKET).gid),
    DOCKOPS_PORT: String(port),
    REGISTRY_USERNAME: need(fe, "REGISTRY_USERNAME"),
    REGISTRY_PASSWORD: need(fe, "REGISTRY_PASSWORD"),
  };
  await run("bash", [join(ROOT, "test/compose/build-images.sh"), NODE_BASE, REDIS_IMAGE, APP_IMAGE], {
    env: { ...env, DOCKER_BIN: "/usr/bin/docker" },
    maxBuffer: 20_000_000,
  });
  writeOverride(writeFleet());
  await compose("up", "-d", "--no-build");
  await waitForBot(90_000);
}, 600_000);

afterAll(async () => {
  const logs = await compose("logs", "--no-color").catch((e: { stdout?: string }) => e);
  writeFileSync(join(dir, "compose.log"), String((logs as { stdout?: string }).stdout ?? ""));
  recordOutput(`${composeProject}-slack`, slack.allText().join("\n"));
  recordOutput(`${composeProject}-log`, String((logs as { stdout?: string }).stdout ?? ""));
  await compose("down", "-v", "--remove-orphans").catch(() => {});
  await run("/usr/bin/docker", ["rmi", "-f", APP_IMAGE], { env }).catch(() => {});
  const fleet = fleetSchema.parse(testFleetInput(fe, {}));
  for (const [name, spec] of Object.entries(fleet.hosts)) {
    await removeProject(dockerFor(name, spec), app).catch(() => {});
  }
  await slack.stop();
}, 120_000);

describe("docker-compose.yml brought up against the test fleet", () => {
  it("runs a bot that holds no Docker socket and no certificates", async () => {
    const { stdout } = await compose("ps", "-q", "bot");
    const { stdout: inspect } = await run("/usr/bin/docker", ["inspect", stdout.trim()], { env });
    const [bot] = JSON.parse(inspect) as Array<{ Mounts: Array<{ Destination: string }> }>;
    expect(bot?.Mounts.map((m) => m.Destination)).toEqual(["/etc/dockops/fleet.yml"]);
  });

  it("/hosts reads all three hosts (socket, plain TCP, TLS) through the worker", async () => {
    // The default manifest installs /deploy and /ops; everything else goes through /ops.
    const text = await ask("/ops", "hosts");
    expect(text).toMatch(/\nserverA +yes +\S+ +\d+\/\d+ +unix socket /);
    expect(text).toMatch(/\nserverB +yes +\S+ +\d+\/\d+ +plain TCP \(INSECURE\) /);
    // test/faults/monitor-host.test.ts may have serverC stopped right now; a refused connection
    // still shows the worker read the certificates and dialled TLS (unreadable ones fail earlier).
    expect(text).toMatch(/\nserverC +(yes +\S+ +\d+\/\d+|no \(ECONNREFUSED\) +— +—) +TLS /);
  });

  it("deploys to beta, and /status shows it running on both hosts", async () => {
    const before = slack.calls.length;
    await send("/deploy", `${app}:v1 beta`);
    const post = await slack.waitFor(
      () =>
        slack.calls
          .slice(before)
          .find((c) => c.method === "chat.postMessage" && blocksText(c.args).includes(app)),
      30_000,
      "the deploy message",
    );
    const ts = String(post.args.__ts);
    const final = await slack.waitFor(
      () => {
        const body = slack.messageText(ts);
        return body && /Deployed|failed/.test(body.split("\n")[0] ?? "") ? body : undefined;
      },
      120_000,
      "the deploy to finish",
    );
    expect(final.split("\n")[0]).toContain(`Deployed *${app}:v1* to *beta*`);

    const status = await ask("/ops", `status ${app} beta`);
    for (const host of ["serverA", "serverB"]) {
      expect(status).toMatch(new RegExp(`\\n${host} +${app} +beta +v1 \\(\\w{12}\\) +running +healthy`));
    }
    expect(status).not.toContain("Unreachable");
  });
});
