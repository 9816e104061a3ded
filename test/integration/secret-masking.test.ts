import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullTestImage } from "../support/alerts.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { ask } from "../support/ops-read.js";
import { recordAuditStream, registerSecret, runDir, scanRun, startRun } from "../support/secret-scan.js";

const project = uniqueName("mask");
const hex = () => randomBytes(6).toString("hex");
// Random, so a hit anywhere cannot be a coincidence; registered for the end-of-run scan too.
const OLD_PASSWORD = `old-pw-${hex()}`;
const NEW_PASSWORD = `new-pw-${hex()}`;
const BACKTICK_TOKEN = `Zq8\`Lm3#${hex()}`;
const TYPED = `horse battery ${hex()}`;
const TYPED_OPS = `staple-${hex()}`;
const BARE = `S3cret${hex()}`;
for (const secret of [OLD_PASSWORD, NEW_PASSWORD, BACKTICK_TOKEN, TYPED, TYPED_OPS, BARE])
  registerSecret(secret);
const HOSTILE = "<!channel> <https://evil.example|re-auth> & co";

let h: Harness;
let redis: Redis;

beforeAll(async () => {
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", exec: { allow: ["env"] } } },
    { configEncryptionKey: randomBytes(32).toString("base64") },
  );
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
});

async function configSet(text: string): Promise<string> {
  const { text: reply } = await ask(h, "/config", text);
  expect(reply).toMatch(/stored as r\d+|r\d+/);
  return reply;
}

/** A container as a deploy of config revision `revision` leaves it: labelled, with the values in its env. */
async function runWithRevision(revision: number, env: Record<string, string>): Promise<void> {
  const image = await pullTestImage(h, h.docker.serverA, "web:v1");
  const container = await h.docker.serverA.createContainer({
    Image: image,
    Entrypoint: [
      "sh",
      "-c",
      `echo "DB_PASSWORD=$DB_PASSWORD API_TOKEN=$API_TOKEN"; echo '${HOSTILE}'; sleep 600`,
    ],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      "dockops.managed": "true",
      "dockops.project": project,
      "dockops.env": "beta",
      "dockops.version": "v1",
      "dockops.digest": "sha256:hand",
      "dockops.config-revision": String(revision),
    },
  });
  await container.start();
}

describe("secrets in what containers print", () => {
  it("/logs and /exec mask a rotated secret of the revision the container still runs, a secret with a backtick, and escape mrkdwn", async () => {
    await configSet(`set ${project} beta --secret DB_PASSWORD=${OLD_PASSWORD} API_TOKEN=${BACKTICK_TOKEN}`);
    await configSet(`set ${project} beta DB_PASSWORD=${NEW_PASSWORD}`);
    // Ten more revisions push r1 out of the "recent revisions" that are always masked.
    for (let i = 0; i < 10; i++) await configSet(`set ${project} beta STEP=${i}`);
    expect(Number(await redis.hget(`${h.prefix}:config:${project}:beta`, "head"))).toBe(12);
    await runWithRevision(1, { DB_PASSWORD: OLD_PASSWORD, API_TOKEN: BACKTICK_TOKEN });

    let logs = "";
    for (let tries = 0; tries < 40 && !logs.includes("re-auth"); tries++) {
      logs = (await ask(h, "/logs", `${project} beta serverA`)).text;
      if (!logs.includes("re-auth")) await new Promise((r) => setTimeout(r, 250));
    }
    expect(logs).toContain("DB_PASSWORD=••••");
    expect(logs).toContain("API_TOKEN=••••");
    expect(logs).toContain("&lt;!channel&gt; &lt;https://evil.example|re-auth&gt; &amp; co");
    expect(logs).not.toContain("<!channel>");

    const exec = (await ask(h, "/exec", `${project} beta serverA -- env`, { timeoutMs: 60_000 })).text;
    expect(exec).toContain("DB_PASSWORD=••••");
    expect(exec).toContain("API_TOKEN=••••");

    for (const text of [logs, exec]) {
      expect(text).not.toContain(OLD_PASSWORD);
      expect(text).not.toContain("Lm3#");
    }
  });
});

describe("secrets typed in commands", () => {
  it("never reach the audit stream, the log or /audit, whatever the case of the verb", async () => {
    await configSet(`SET ${project} beta DB_PASSWORD="${TYPED}" --secret`);
    await configSet(`set ${project} beta DB_PASSWORD=${TYPED.replace(/ /g, "-")}`);
    await ask(h, "/ops", `CONFIG set ${project} beta --secret OPS_PASSWORD=${TYPED_OPS}`);
    const usage = (await ask(h, "/config", `Set ${project} beta ${BARE}`)).text;
    expect(usage).toMatch(/not shown, in case it is a secret/);

    const audit = (await ask(h, "/audit", `${project} beta 50`)).text;
    const stream = (await redis.xrange(`${h.prefix}:audit`, "-", "+")).map(([, fields]) => fields.join(" "));
    const everything = [audit, ...stream, h.logs.join("")].join("\n");
    for (const secret of [TYPED, TYPED.replace(/ /g, "-"), TYPED_OPS, BARE, "battery"]) {
      expect(everything).not.toContain(secret);
    }
    expect(stream.join("\n")).toContain(`/config set ${project} beta DB_PASSWORD=•••• (secret)`);
    expect(stream.join("\n")).toContain(`/ops config set ${project} beta OPS_PASSWORD=•••• (secret)`);
    expect(stream.join("\n")).toContain("/config (not understood; arguments not stored)");
  });
});

describe("the end-of-run secret scan", () => {
  it("reads a harness's audit stream", async () => {
    const saved = process.env.DOCKOPS_TEST_RUN_DIR;
    const planted = `planted-${hex()}`;
    const prefix = uniqueName("q");
    try {
      startRun(mkdtempSync(join(tmpdir(), "scan-")));
      registerSecret(planted);
      await redis.xadd(`${prefix}:audit`, "*", "event", JSON.stringify({ type: "command", text: planted }));
      await recordAuditStream(h.fleetEnv.REDIS_URL as string, prefix);
      expect(scanRun(runDir() as string)).toEqual([`${prefix}-audit.out contains the secret pl…`]);
    } finally {
      await redis.del(`${prefix}:audit`);
      if (saved === undefined) delete process.env.DOCKOPS_TEST_RUN_DIR;
      else process.env.DOCKOPS_TEST_RUN_DIR = saved;
    }
  });
});
