import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { RegistryClient } from "../../src/registry/client.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { httpGet } from "../support/docker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { codeBlocks } from "../support/markdown.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo } from "../support/ops-flow.js";
import { registerSecret } from "../support/secret-scan.js";
import { type ApiCall, blocksText } from "../support/slack-standin.js";
import { makeTestCa } from "../support/test-ca.js";

/**
 * A registry of this test's own (docker-registry over HTTPS on the fleet's bridge, with basic
 * auth and notifications to this test's bot), real pushes from serverA's Docker daemon, and the
 * real bot: the shared registry is left as it is. The daemons trust the registry's CA through
 * /etc/docker/certs.d/<address>/ca.crt, which they read at every connection.
 */
const fe = readFleetEnv();
const BRIDGE = "10.250.0.1";
const TOKEN = randomBytes(24).toString("hex");
const PASSWORD = randomBytes(12).toString("hex");
registerSecret(TOKEN);
registerSecret(PASSWORD);
const name = uniqueName("rev");
const manual = `${name}m`; // pushes announced with a Deploy button
const auto = `${name}a`; // autoDeploy of tags matching ^v\d+ to beta
const dir = mkdtempSync(join(tmpdir(), "dockops-registry-events-"));
const ca = makeTestCa([BRIDGE]);

let h: Harness;
let registry: ChildProcess;
let registryAddr: string;
let certsDir: string;
let manualPort: number;
let autoPort: number;
const registryLog: string[] = [];

/** A port nothing listens on at the bridge address right now. */
async function bridgePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, BRIDGE, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The `notifications:` that docs/builds.md tells operators to give their registry, aimed at this bot. */
function documentedNotifications(botPort: number): unknown {
  const page = readFileSync(new URL("../../docs/builds.md", import.meta.url), "utf8");
  const block = codeBlocks("docs/builds.md", page).find(
    (b) => b.lang === "yaml" && b.tags.includes("registry"),
  );
  const text = block?.body.join("\n") ?? "";
  const ours = text
    .replace("http://dockops.internal:3000/", `http://127.0.0.1:${botPort}/`)
    .replace("PUT-DOCKOPS_REGISTRY_EVENTS_TOKEN-HERE", TOKEN);
  if (!ours.includes(TOKEN) || !ours.includes(`127.0.0.1:${botPort}`)) {
    throw new Error(
      "docs/builds.md has no `yaml registry` block with the URL and token placeholders this test fills in",
    );
  }
  return (parseYaml(ours) as { notifications: unknown }).notifications;
}

function registryConfig(botPort: number): string {
  writeFileSync(join(dir, "srv.pem"), ca.cert);
  writeFileSync(join(dir, "srv.key"), ca.key);
  writeFileSync(join(dir, "htpasswd"), execFileSync("htpasswd", ["-Bbn", "pusher", PASSWORD]));
  // JSON is YAML; the notifications are the documented ones.
  return JSON.stringify({
    version: 0.1,
    log: { level: "info", formatter: "text" },
    storage: { filesystem: { rootdirectory: join(dir, "data") }, delete: { enabled: true } },
    http: {
      addr: registryAddr,
      secret: randomBytes(16).toString("hex"),
      tls: { certificate: join(dir, "srv.pem"), key: join(dir, "srv.key") },
    },
    auth: { htpasswd: { realm: "events-test", path: join(dir, "htpasswd") } },
    notifications: documentedNotifications(botPort),
  });
}

async function startRegistry(botPort: number): Promise<void> {
  const config = join(dir, "config.yml");
  writeFileSync(config, registryConfig(botPort));
  // The registry reads REGISTRY_* variables as configuration: start it without any.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("REGISTRY_")));
  registry = spawn("docker-registry", ["serve", config], { env, stdio: ["ignore", "pipe", "pipe"] });
  for (const s of [registry.stdout, registry.stderr])
    s?.on("data", (c: Buffer) => registryLog.push(String(c)));
  const client = new RegistryClient({
    url: registryAddr,
    username: "pusher",
    password: PASSWORD,
    insecure: false,
    ca: ca.caFile,
  });
  const deadline = Date.now() + 20_000;
  while (true) {
    if (registry.exitCode !== null) throw new Error(`docker-registry exited:\n${registryLog.join("")}`);
    try {
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`docker-registry did not answer: ${String(err)}\n${registryLog.join("")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** `docker tag` + `docker push` on serverA's daemon: a shared-fleet test image as `<project>:<tag>` here. */
async function push(project: string, source: "v1" | "v2", tag: string): Promise<void> {
  const docker = h.docker.serverA;
  const from = `${need(fe, "REGISTRY_URL")}/web:${source}`;
  const repo = `${registryAddr}/${project}/web`;
  await docker.getImage(from).tag({ repo, tag });
  const stream = await docker.getImage(`${repo}:${tag}`).push({
    authconfig: { username: "pusher", password: PASSWORD, serveraddress: registryAddr },
  });
  const events = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) =>
      err ? reject(err) : resolve(out),
    ),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`docker push ${repo}:${tag} failed: ${failed.error}`);
}

/** Channel posts announcing a push of `project:tag`. */
const announcements = (project: string, tag: string): ApiCall[] =>
  h.slack.calls.filter(
    (c) =>
      c.method === "chat.postMessage" &&
      JSON.stringify(c.args).includes(`:package: *${project}:${tag}* pushed`),
  );

async function announcement(project: string, tag: string): Promise<ApiCall> {
  return h.slack.waitFor(() => announcements(project, tag)[0], 60_000, `the message about ${project}:${tag}`);
}

type ButtonElement = { action_id: string; value: string; text: { text: string } };
function buttons(call: ApiCall): ButtonElement[] {
  const blocks = call.args.blocks as Array<{ type: string; elements?: ButtonElement[] }>;
  return blocks.find((b) => b.type === "actions")?.elements ?? [];
}

/** Posts a notification as a registry would; returns the status and the body. */
async function notify(
  authorization: string | undefined,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${h.port}/registry/events`, {
    method: "POST",
    headers: {
      "content-type": "application/vnd.docker.distribution.events.v1+json",
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const manifestPush = (repository: string, tag: string, digest: string, action = "push") => ({
  events: [
    {
      id: randomBytes(8).toString("hex"),
      timestamp: new Date().toISOString(),
      action,
      target: { mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest, repository, tag },
      actor: { name: "pusher" },
    },
  ],
});

beforeAll(async () => {
  registryAddr = `${BRIDGE}:${await bridgePort()}`;
  certsDir = join("/etc/docker/certs.d", registryAddr);
  mkdirSync(certsDir, { recursive: true });
  copyFileSync(ca.caFile, join(certsDir, "ca.crt"));
  manualPort = await freePort();
  autoPort = await freePort();
  h = await startHarness(
    {
      [manual]: { image: `${manual}/web`, ports: [`${manualPort}:80`], verify: "1s", stopTimeout: "1s" },
      [auto]: {
        image: `${auto}/web`,
        ports: [`${autoPort}:80`],
        verify: "1s",
        stopTimeout: "1s",
        autoDeploy: { env: "beta", tags: "^v\\d+" },
      },
    },
    {
      env: { DOCKOPS_REGISTRY_EVENTS_TOKEN: TOKEN },
      fleet: (input) => ({
        ...input,
        registry: { url: registryAddr, username: "pusher", password: PASSWORD, ca: ca.caFile },
      }),
    },
  );
  await startRegistry(h.port);
}, 120_000);

afterAll(async () => {
  await h?.close();
  registry?.kill("SIGTERM");
  for (const ref of [`${manual}/web:v1`, `${auto}/web:v1`, `${auto}/web:dev-2`]) {
    await h?.docker.serverA
      .getImage(`${registryAddr}/${ref}`)
      .remove()
      .catch(() => {});
  }
  if (certsDir) rmSync(certsDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  rmSync(ca.dir, { recursive: true, force: true });
});

describe("registry push → chat (real registry, real docker push)", () => {
  it("a pushed tag posts one message whose Deploy button deploys it", async () => {
    await push(manual, "v1", "v1");
    const post = await announcement(manual, "v1");
    expect(post.args.channel).toBe("CBETA");
    const text = h.slack.messageText(String(post.args.__ts)) ?? "";
    expect(text).toMatch(
      new RegExp(
        `^:package: \\*${manual}:v1\\* pushed by \`pusher\` at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: digest \`[0-9a-f]{12}\`, size \\d+\\.\\d MB, built `,
      ),
    );
    const [deploy, changes] = buttons(post);
    expect(deploy).toMatchObject({
      action_id: "push-deploy",
      value: `${manual}:v1 beta`,
      text: { text: "Deploy to beta" },
    });
    expect(changes).toMatchObject({
      action_id: "push-changes",
      value: `${manual}:v1 beta`,
      text: { text: "Show changes" },
    });

    // A retry of the same push (the registry did not hear our answer) posts nothing new.
    const digest = await new RegistryClient(h.fleet.registry).resolveDigest(`${manual}/web`, "v1");
    const again = await notify(`Bearer ${TOKEN}`, manifestPush(`${manual}/web`, "v1", digest));
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ ok: true, pushes: 1, announced: 0 });

    const before = h.slack.calls.length;
    const press = await h.pressOn(deploy?.action_id ?? "", deploy?.value ?? "", {
      channel: "CBETA",
      ts: String(post.args.__ts),
    });
    expect(press.status).toBe(200);
    const deployed = await finishedDeployMessage(h.slack, before, 120_000);
    expect(deployed).toContain(`Deployed *${manual}:v1* to *beta*`);
    expect(deployed).toContain("requested by <@UDEV>");
    for (const host of ["serverA", "serverB"] as const) {
      expect(await httpGet(`http://${h.addr[host]}:${manualPort}/`)).toEqual({ status: 200, body: "web v1" });
    }
    expect(announcements(manual, "v1")).toHaveLength(1);
  }, 240_000);

  it("autoDeploy deploys a matching tag to beta and only announces one that does not match", async () => {
    await push(auto, "v1", "v1");
    const post = await announcement(auto, "v1");
    expect(h.slack.messageText(String(post.args.__ts))).toContain(
      ":rocket: Deploying it to *beta* automatically (`autoDeploy`: the tag matches `^v\\d+`)",
    );
    // beta is also the Deploy button's environment: only Show changes is left.
    expect(buttons(post).map((b) => b.action_id)).toEqual(["push-changes"]);
    // The deploy message is the next post after the announcement.
    const deployed = await finishedDeployMessage(h.slack, h.slack.calls.indexOf(post) + 1, 120_000);
    expect(deployed).toContain(`Deployed *${auto}:v1* to *beta*`);
    expect(deployed).toContain("requested by *autoDeploy*");
    expect(deployed).toContain("_autoDeploy of a push by pusher: the tag matches ^v\\d+_");
    expect(await httpGet(`http://${h.addr.serverB}:${autoPort}/`)).toEqual({ status: 200, body: "web v1" });

    await push(auto, "v2", "dev-2");
    const dev = await announcement(auto, "dev-2");
    expect(buttons(dev).map((b) => b.text.text)).toEqual(["Deploy to beta", "Show changes"]);
    expect(h.slack.messageText(String(dev.args.__ts))).not.toContain("automatically");
    // Show changes: what runs in beta (v1, by its record) and the images built since, up to dev-2.
    const changes = buttons(dev)[1] as ButtonElement;
    const press = await h.pressOn(changes.action_id, changes.value, {
      channel: "CBETA",
      ts: String(dev.args.__ts),
    });
    const reply = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.id === press.responseId),
      30_000,
      "the Show changes reply",
    );
    const shown = blocksText(reply.body);
    expect(shown).toMatch(
      new RegExp(`^\\*Changes of ${auto} in beta\\* up to \`dev-2\` .*: \\*beta\\* runs \`v1\``),
    );
    expect(shown).toMatch(/built since then:\n```\nTAG +BUILT +DIGEST\ndev-2 /);
    // The non-matching tag started no deploy: beta still serves v1, and only v1 is on record.
    const records = await recordsOf(auto);
    expect(records).toEqual(["v1"]);
    expect(await httpGet(`http://${h.addr.serverA}:${autoPort}/`)).toEqual({ status: 200, body: "web v1" });
  }, 240_000);

  it("a forged notification gets 401, and pulls and unknown repositories change nothing", async () => {
    const posts = () => h.slack.calls.filter((c) => c.method === "chat.postMessage").length;
    const before = posts();
    const digest = await new RegistryClient(h.fleet.registry).resolveDigest(`${auto}/web`, "v1");
    const forged = manifestPush(`${auto}/web`, "v7", digest);
    for (const authorization of [undefined, `Bearer ${TOKEN.slice(0, -1)}x`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await notify(authorization, forged);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.text)).toEqual({ ok: false, error: "missing or wrong bearer token" });
    }
    const pull = await notify(`Bearer ${TOKEN}`, manifestPush(`${auto}/web`, "v1", digest, "pull"));
    expect(JSON.parse(pull.text)).toEqual({ ok: true, pushes: 0, announced: 0 });
    const unknown = await notify(`Bearer ${TOKEN}`, manifestPush(`${name}x/web`, "v1", digest));
    expect(JSON.parse(unknown.text)).toEqual({ ok: true, pushes: 1, announced: 0 });
    const bad = await notify(`Bearer ${TOKEN}`, { hello: "world" });
    expect(bad.status).toBe(400);
    expect(posts()).toBe(before);
    expect(await recordsOf(auto)).toEqual(["v1"]);
    expect(h.logs.join("")).toContain("registry notification refused: missing or wrong token");
  });
});

/** The tags of the project's deploys to beta on record, newest first. */
async function recordsOf(project: string): Promise<string[]> {
  const answer = await replyTo(h, "/history", `${project} beta`);
  return [...answer.text.matchAll(/deployed \*([^*]+)\*/g)].map((m) => m[1] as string);
}
