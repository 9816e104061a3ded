import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonPressBody } from "../support/button.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { managedContainers } from "../support/docker.js";
import { envInside } from "../support/exec.js";
import { type Harness, SIGNING_SECRET, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { registerSecret } from "../support/secret-scan.js";
import { sendSigned } from "../support/signed-request.js";
import { blocksText } from "../support/slack-standin.js";

const project = uniqueName("cfg");
const ENCRYPTION_KEY = randomBytes(32).toString("base64");
// Secrets are random so a hit in Redis, chat or logs cannot be a coincidence.
const SALT = `salt-${randomBytes(10).toString("hex")}`;
const TOKEN = `tok-${randomBytes(10).toString("hex")}`;
const PROD_PASSWORD = `pw-${randomBytes(10).toString("hex")}`;
// The end-of-run scan also looks for them in every other test's chat and logs.
for (const secret of [SALT, TOKEN, PROD_PASSWORD]) registerSecret(secret);
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness(
    {
      [project]: {
        image: "web",
        tag: "v1",
        ports: [`${port}:80`],
        verify: "1s",
        env: { LOG_LEVEL: "info", APP_MODE: "fleet" },
      },
    },
    { configEncryptionKey: ENCRYPTION_KEY },
  );
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
});

type Answer = { text: string; ephemeral: boolean; buttons: Array<{ action_id: string; value: string }> };

/** Sends a slash command and returns what the user sees: the usage ack or the later reply. */
async function say(
  command: string,
  text: string,
  opts: { user?: string; channel?: string } = {},
): Promise<Answer> {
  const ack = await h.command(command, text, opts);
  expect(ack.status).toBe(200);
  if (ack.text) {
    const body = JSON.parse(ack.text) as { text: string; response_type: string };
    return { text: body.text, ephemeral: body.response_type === "ephemeral", buttons: [] };
  }
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    10_000,
    `the reply to ${command}`,
  );
  const blocks = (reply.body.blocks ?? []) as Array<{
    elements?: Array<{ action_id: string; value: string }>;
  }>;
  return {
    text: blocksText(reply.body),
    ephemeral: reply.body.response_type === "ephemeral",
    buttons: blocks.flatMap((b) => b.elements ?? []),
  };
}

async function deploy(text: string): Promise<string> {
  const before = h.slack.calls.length;
  expect((await h.command("/deploy", text)).status).toBe(200);
  return finishedDeployMessage(h.slack, before, 60_000);
}

async function envOnServerA(): Promise<Record<string, string>> {
  const [running] = await managedContainers(h.docker.serverA, project);
  if (!running) throw new Error("no running container on serverA");
  return envInside(h.docker.serverA, running.Id);
}

const configKey = (env: string) => `${h.prefix}:config:${project}:${env}`;
const head = async (env: string) => Number((await redis.hget(configKey(env), "head")) ?? 0);

describe("/config end to end", () => {
  it("set → deploy → the value is inside the container; revert → redeploy → the old value is back", async () => {
    const set = await say(
      "/config",
      `set ${project} beta APP_MODE=one DB_HOST=db-beta GREETING="hello world"`,
    );
    expect(set.ephemeral).toBe(true);
    expect(set.text).toContain(`*${project}/beta* config is now *r1*`);
    expect(set.text).toContain(
      `Running containers are unchanged until the next deploy: \`/deploy ${project} beta\``,
    );
    expect(set.buttons).toEqual([
      expect.objectContaining({ action_id: "config-redeploy", value: `${project} beta` }),
    ]);

    const secret = await say(
      "/config",
      `set ${project} beta --secret SESSION_SALT=${SALT} API_TOKEN=${TOKEN}`,
    );
    expect(secret.text).toContain("*r2*");
    expect(secret.text).toContain(`\`SESSION_SALT\`=\`••••${SALT.slice(-2)}\` (secret)`);
    expect(secret.text).toContain(`\`API_TOKEN\`=\`••••${TOKEN.slice(-2)}\` (secret)`);

    const first = await deploy(`${project}:v1 beta serverA`);
    expect(first).toContain(`Deployed *${project}:v1* to *beta* on serverA with config r2`);
    const env1 = await envOnServerA();
    expect(env1).toMatchObject({
      APP_MODE: "one",
      DB_HOST: "db-beta",
      GREETING: "hello world",
      LOG_LEVEL: "info",
      SESSION_SALT: SALT,
      API_TOKEN: TOKEN,
    });

    expect((await say("/ops", `config set ${project} beta APP_MODE=two`)).text).toContain("*r3*");
    const second = await deploy(`${project}:v1 beta serverA`);
    expect(second).toContain("with config r3");
    expect((await envOnServerA()).APP_MODE).toBe("two");

    const history = await say("/config", `history ${project} beta`);
    expect(history.text).toMatch(/\*r3\* — <@UDEV>, \d{4}-\d\d-\d\d \d\d:\d\d UTC — set `APP_MODE`/);
    expect(history.text).toMatch(/\*r1\* — <@UDEV>, .* — set `APP_MODE`, `DB_HOST`, `GREETING`/);

    const revert = await say("/config", `revert ${project} beta r2`);
    expect(revert.text).toContain("config is now *r4*: a copy of r2");
    expect((await say("/config", `history ${project} beta`)).text).toContain("*r4* — <@UDEV>");

    // The redeploy button under the change: deploys to every host of beta.
    const before = h.slack.calls.length;
    const press = buttonPressBody({
      action: "config-redeploy",
      value: `${project} beta`,
      user: "UDEV",
      channel: "CBETA",
      messageTs: "1700000000.000300",
      responseUrl: h.slack.responseUrl("button1"),
    });
    expect((await sendSigned(`http://127.0.0.1:${h.port}`, press, { secret: SIGNING_SECRET })).status).toBe(
      200,
    );
    const third = await finishedDeployMessage(h.slack, before, 60_000);
    expect(third).toContain(`Deployed *${project}:v1* to *beta* on serverA, serverB with config r4`);
    expect((await envOnServerA()).APP_MODE).toBe("one");
  });

  it("get and list show the effective config with secrets masked and fleet defaults marked", async () => {
    const list = await say("/config", `list ${project} beta`);
    expect(list.ephemeral).toBe(true);
    expect(list.text).toContain(`*${project}/beta* config at r4:`);
    expect(list.text).toContain("• `APP_MODE` = `one`");
    expect(list.text).toContain("• `LOG_LEVEL` = `info` _(fleet file)_");
    expect(list.text).toContain(`• \`SESSION_SALT\` = \`••••${SALT.slice(-2)}\` (secret)`);
    expect((await say("/config", `get ${project} beta API_TOKEN`)).text).toBe(
      `*${project}/beta* \`API_TOKEN\` = \`••••${TOKEN.slice(-2)}\` (secret)`,
    );
    expect((await say("/config", `get ${project} beta NOPE`)).text).toContain("`NOPE` is not set");
    // The same secret again is no change; a new value without --secret stays secret.
    const same = await say("/config", `set ${project} beta API_TOKEN=${TOKEN}`);
    expect(same.text).toContain("still r4");
    const again = await say("/config", `set ${project} beta SESSION_SALT=${SALT}x`);
    expect(again.text).toContain(`\`SESSION_SALT\`=\`••••${`${SALT}x`.slice(-2)}\` (secret)`);
    expect((await say("/config", `unset ${project} beta SESSION_SALT`)).text).toContain(
      "removed `SESSION_SALT`",
    );
  });

  it("prod config: anyone allowed may ask, another approver approves, and only then is it stored", async () => {
    const before = h.slack.calls.length;
    const asked = await say(
      "/config",
      `set ${project} prod DB_HOST=db-prod ONLY_PROD=1 DB_PASSWORD=${PROD_PASSWORD}`,
      { user: "ULEAD", channel: "CPROD" },
    );
    expect(asked.text).toMatch(/^Approval requested from <@ULEAD>, <@UOPS>/);
    expect(await head("prod")).toBe(0);
    const post = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      5_000,
      "the approval request",
    );
    const ts = String(post.args.__ts);
    expect(h.slack.messageText(ts)).toContain(
      `• set \`DB_PASSWORD\` = \`••••${PROD_PASSWORD.slice(-2)}\` (secret)`,
    );
    const blocks = post.args.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>;
    const id = blocks.find((b) => b.type === "actions")?.elements?.[0]?.value ?? "";
    const press = async (user: string) => {
      const res = await h.press("approval:approve", id, { user, messageTs: ts });
      const answer = await h.slack.waitFor(
        () => h.slack.responses.find((r) => r.id === res.responseId),
        10_000,
        "the answer to the press",
      );
      return blocksText(answer.body);
    };
    // An approver's own change needs a second approver (four-eyes), like a deploy.
    expect(await press("ULEAD")).toMatch(/Not allowed: you asked for this/);
    expect(await press("UDEV")).toMatch(/Not allowed: only <@ULEAD>, <@UOPS>/);
    expect(await head("prod")).toBe(0);
    const ok = await press("UOPS");
    expect(ok).toContain(`*${project}/prod* config is now *r1*`);
    expect(ok).toContain(`\`DB_PASSWORD\`=\`••••${PROD_PASSWORD.slice(-2)}\` (secret)`);
    expect(await head("prod")).toBe(1);
    expect((await redis.hgetall(`${h.prefix}:approval:${id}`)).request).not.toContain(PROD_PASSWORD);
  });

  it("diff between beta and prod names the keys that differ or are missing on either side", async () => {
    const diff = await say("/config", `diff ${project} beta prod`);
    expect(diff.text).toBe(
      [
        `*${project}* config, *beta* vs *prod*:`,
        "• only in *beta*: `API_TOKEN`, `GREETING`",
        "• only in *prod*: `DB_PASSWORD`, `ONLY_PROD`",
        "• `APP_MODE` differs: *beta* `one`, *prod* `fleet`",
        "• `DB_HOST` differs: *beta* `db-beta`, *prod* `db-prod`",
        "1 other keys are the same.",
      ].join("\n"),
    );
  });

  it("two concurrent sets on different keys both survive", async () => {
    const start = await head("beta");
    const [a, b] = await Promise.all([
      say("/config", `set ${project} beta RACE_A=1`),
      say("/config", `set ${project} beta RACE_B=2`, { user: "UOTHER" }),
    ]);
    expect([a.text, b.text].join("\n")).toMatch(/config is now \*r\d+\*/);
    expect(await head("beta")).toBe(start + 2);
    const list = (await say("/config", `list ${project} beta`)).text;
    expect(list).toContain("• `RACE_A` = `1`");
    expect(list).toContain("• `RACE_B` = `2`");
  });

  it.each([
    ["a key with a dash", `set ${project} beta BAD-KEY=1`, /`BAD-KEY` is not a valid variable name/],
    ["a key starting with a digit", `set ${project} beta 1KEY=1`, /`1KEY` is not a valid variable name/],
    ["no =VALUE", `set ${project} beta JUSTKEY`, /word 1 after the environment has no `=VALUE` \(not shown/],
    ["a value too long", `set ${project} beta BIG=${"x".repeat(1100)}`, /longer than 1024 bytes/],
    ["an unclosed quote", `set ${project} beta A="open`, /a quote is not closed/],
    ["an unknown project", `set nosuch beta A=1`, /no project `nosuch`/],
    ["an env typo", `set ${project} betta A=1`, /did you mean `beta`\?/],
    ["an unknown option", `set ${project} beta --force A=1`, /unknown option `--force`/],
    ["a key given twice", `set ${project} beta A=1 A=2`, /`A` is given twice/],
    ["nothing to set", `set ${project} beta`, /give at least one KEY=VALUE/],
    ["a bad revision", `revert ${project} beta abc`, /`abc` is not a revision number/],
    ["an unknown verb", `frob ${project} beta`, /no config command `frob`/],
    ["shell metacharacters", `set ${project} beta $(id)=1`, /is not a valid variable name/],
  ])("%s gets a usage message and stores nothing", async (_name, text, expected) => {
    const before = await redis.hgetall(configKey("beta"));
    const answer = await say("/config", text);
    expect(answer.ephemeral).toBe(true);
    expect(answer.text).toMatch(expected);
    expect(answer.text).toContain("Usage: `/config");
    expect(await redis.hgetall(configKey("beta"))).toEqual(before);
  });

  it("a revert to a revision that does not exist changes nothing", async () => {
    const start = await head("beta");
    const answer = await say("/config", `revert ${project} beta 999`);
    expect(answer.text).toContain(`has no r999; the latest is r${start}`);
    expect(await head("beta")).toBe(start);
  });

  it("/env list shows each environment with hosts, channel and approval", async () => {
    const answer = await say("/env", "list");
    expect(answer.text).toBe(
      [
        "*Environments*",
        "• *beta* — hosts serverA, serverB; <#CBETA>; no approval needed",
        "• *prod* — hosts serverB, serverC; <#CPROD>; needs approval from <@ULEAD>, <@UOPS>",
      ].join("\n"),
    );
  });

  // Last: it scans everything the earlier tests made the bot say, store and log.
  it("secrets are encrypted in Redis, masked in every chat message and absent from the logs", async () => {
    const stored = [
      ...Object.values(await redis.hgetall(configKey("beta"))),
      ...Object.values(await redis.hgetall(configKey("prod"))),
    ];
    expect(stored.filter((v) => v.includes('"s":true')).length).toBeGreaterThan(3);
    const raw = stored.join("\n");
    for (const secret of [SALT, TOKEN, PROD_PASSWORD]) {
      expect(raw).not.toContain(secret);
      for (const text of h.slack.allText()) expect(text).not.toContain(secret);
      expect(h.logs.join("")).not.toContain(secret);
    }
    // ... and the jobs carried no config values either.
    // Job hashes only: a job's `:logs` list matches the same pattern.
    const jobKeys = (await redis.keys(`${h.prefix}:dockops-jobs:deploy-*`)).filter(
      (k) => !k.endsWith(":logs"),
    );
    const jobs = (await Promise.all(jobKeys.map((k) => redis.hget(k, "data")))).join("\n");
    expect(jobs).toMatch(/"configRevision":4/);
    for (const secret of [SALT, TOKEN]) expect(jobs).not.toContain(secret);
    expect(h.logs.join("")).toContain('"config changed"');
  });
});
