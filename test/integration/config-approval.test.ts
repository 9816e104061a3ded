import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configApproval } from "../../src/approvals/config-approval.js";
import { ConfigCipher, parseEncryptionKey, secretAad } from "../../src/config/cipher.js";
import { ConfigStore } from "../../src/config/config-store.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { registerSecret } from "../support/secret-scan.js";

const project = uniqueName("cfga");
const ENCRYPTION_KEY = randomBytes(32).toString("base64");
// Random, so a hit in Redis, chat or logs cannot be a coincidence.
const PASSWORD = `pw-${randomBytes(10).toString("hex")}`;
const MARKED = `mk-${randomBytes(10).toString("hex")}`;
const REJECTED = `rj-${randomBytes(10).toString("hex")}`;
for (const secret of [PASSWORD, MARKED, REJECTED]) registerSecret(secret);
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  const port = await freePort();
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
    { configEncryptionKey: ENCRYPTION_KEY },
  );
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
});

const head = async () => Number((await redis.hget(`${h.prefix}:config:${project}:prod`, "head")) ?? 0);
const posts = (from: number) => h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage");

async function reply(responseId: string, ms = 5_000): Promise<string> {
  const r = await h.slack.waitFor(() => h.slack.responses.find((x) => x.id === responseId), ms, "the reply");
  return String(r.body.text ?? "") + JSON.stringify(r.body.blocks ?? "");
}

/** Sends a prod config command; returns the approval message's ts and its request id. */
async function request(text: string, user = "UDEV"): Promise<{ ts: string; id: string }> {
  const before = h.slack.calls.length;
  const ack = await h.command("/config", text, { user, channel: "CPROD" });
  expect(ack.status).toBe(200);
  expect(await reply(ack.responseId)).toMatch(/^Approval requested from <@ULEAD>, <@UOPS>/);
  const post = await h.slack.waitFor(() => posts(before)[0], 5_000, "the approval request");
  const blocks = post.args.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>;
  const id = blocks.find((b) => b.type === "actions")?.elements?.[0]?.value ?? "";
  return { ts: String(post.args.__ts), id };
}

/** Presses a button; returns the presser's answer, or "" when none came within `ms`. */
async function press(
  ts: string,
  id: string,
  action: "approve" | "reject",
  user: string,
  ms = 5_000,
): Promise<string> {
  const res = await h.press(`approval:${action}`, id, { user, messageTs: ts });
  expect(res.status).toBe(200);
  return reply(res.responseId, ms).catch(() => "");
}

const message = (ts: string) => h.slack.messageText(ts) ?? "";

/** The message once it matches `pattern` (it is updated after the press is answered). */
const messageMatching = (ts: string, pattern: RegExp) =>
  h.slack.waitFor(() => (pattern.test(message(ts)) ? message(ts) : undefined), 5_000, String(pattern));

describe("prod config changes go through approval requests", () => {
  it("set → masked request → sealed in Redis → another approver approves → stored revision", async () => {
    const { ts, id } = await request(`set ${project} prod DB_HOST=db-prod DB_PASSWORD=${PASSWORD}`);
    const lines = message(ts).split("\n");
    expect(lines.slice(0, -1)).toEqual([
      `:lock: *Approval needed:* <@UDEV> asked to change the config of *${project}/prod*`,
      "• set `DB_HOST` = `db-prod`",
      `• set \`DB_PASSWORD\` = \`••••${PASSWORD.slice(-2)}\` (secret)`,
      "• applies on top of config revision r0",
    ]);
    expect(lines.at(-1)).toMatch(/^Approvers: <@ULEAD>, <@UOPS> \(not the requester\)\. Expires in/);
    expect(await head()).toBe(0);

    // The request rests in Redis with the non-secret value and the secrets sealed, never clear.
    const raw = Object.values(await redis.hgetall(`${h.prefix}:approval:${id}`)).join("\n");
    expect(raw).toContain("db-prod");
    expect(raw).toMatch(/"key":"DB_PASSWORD","value":"v1:[^"]+"/);
    expect(raw).not.toContain(PASSWORD);

    expect(await press(ts, id, "approve", "UDEV")).toMatch(/Not allowed: you asked for this/);
    expect(await press(ts, id, "approve", "UOTHER")).toMatch(/Not allowed: only <@ULEAD>, <@UOPS>/);
    expect(await head()).toBe(0);

    const approved = await press(ts, id, "approve", "ULEAD");
    expect(approved).toContain(`*${project}/prod* config is now *r1*`);
    expect(approved).toContain(`\`DB_PASSWORD\`=\`••••${PASSWORD.slice(-2)}\` (secret)`);
    await messageMatching(
      ts,
      /^:white_check_mark: \*Approved by <@ULEAD>\*: <@UDEV> asked to change the config/,
    );
    expect(await head()).toBe(1);

    // The stored revision holds the real values: secrets encrypted for the config, and readable.
    const store = new ConfigStore(redis, h.prefix);
    const r1 = await store.revision(project, "prod");
    expect(r1?.by).toBe("UDEV");
    expect(r1?.entries.DB_HOST).toEqual({ v: "db-prod" });
    const cipher = new ConfigCipher(parseEncryptionKey(ENCRYPTION_KEY) as Buffer);
    const clear = (key: string) => cipher.decrypt(r1?.entries[key]?.v ?? "", secretAad(project, "prod", key));
    expect(clear("DB_PASSWORD")).toBe(PASSWORD);
    const get = await h.command("/config", `get ${project} prod DB_PASSWORD`, {
      user: "UDEV",
      channel: "CPROD",
    });
    expect(await reply(get.responseId)).toContain(`\`DB_PASSWORD\` = \`••••${PASSWORD.slice(-2)}\` (secret)`);
  });

  it("--secret masks any key; set again without --secret it stays masked; a rejection stores nothing", async () => {
    const marked = await request(`set ${project} prod --secret FEATURE=${MARKED}`, "ULEAD");
    expect(message(marked.ts)).toContain(`• set \`FEATURE\` = \`••••${MARKED.slice(-2)}\` (secret)`);
    expect(await redis.hget(`${h.prefix}:approval:${marked.id}`, "request")).not.toContain(MARKED);
    expect(await press(marked.ts, marked.id, "approve", "UOPS")).toContain("config is now *r2*");
    const get = await h.command("/config", `get ${project} prod FEATURE`, { user: "UDEV", channel: "CPROD" });
    expect(await reply(get.responseId)).toContain(`\`FEATURE\` = \`••••${MARKED.slice(-2)}\` (secret)`);

    const { ts, id } = await request(`set ${project} prod FEATURE=${REJECTED}`, "ULEAD");
    expect(message(ts)).toContain(`• set \`FEATURE\` = \`••••${REJECTED.slice(-2)}\` (secret)`);
    expect(message(ts)).toContain("• applies on top of config revision r2");
    expect(await redis.hget(`${h.prefix}:approval:${id}`, "request")).not.toContain(REJECTED);
    expect(await press(ts, id, "reject", "ULEAD")).toMatch(/four-eyes/);
    expect(await press(ts, id, "reject", "UOPS", 1_000)).toBe("");
    await messageMatching(ts, /^:no_entry_sign: \*Rejected by <@UOPS>\*.*Nothing was done/);
    expect(await head()).toBe(2);
    expect(await press(ts, id, "approve", "UOPS")).toMatch(/already rejected/);
    expect(await head()).toBe(2);
  });

  it("a request is void when the config changed before approval", async () => {
    const stale = await request(`unset ${project} prod DB_HOST`);
    expect(message(stale.ts)).toContain("• remove `DB_HOST`");
    const revert = await request(`revert ${project} prod 0`);
    expect(message(revert.ts)).toContain(
      "• back to the entries of r0: changes `DB_HOST`, `DB_PASSWORD`, `FEATURE`",
    );
    const other = await request(`set ${project} prod LOG_LEVEL=debug`);
    expect(await press(other.ts, other.id, "approve", "UOPS")).toContain("config is now *r3*");
    expect(await head()).toBe(3);

    expect(await press(stale.ts, stale.id, "approve", "ULEAD", 1_000)).toBe("");
    await messageMatching(
      stale.ts,
      /^:warning: \*Void\*: .*the config changed since: r2 → r3\. Nothing was done/,
    );
    expect(await press(revert.ts, revert.id, "approve", "ULEAD", 1_000)).toBe("");
    await messageMatching(revert.ts, /^:warning: \*Void\*: .*the config changed since: r2 → r3/);
    expect(await head()).toBe(3);
    expect((await new ConfigStore(redis, h.prefix).revision(project, "prod"))?.entries.DB_HOST).toEqual({
      v: "db-prod",
    });
  });

  it("two requests shown on the same revision and approved at once: one lands, the other changes nothing", async () => {
    const on = await head();
    const first = await request(`set ${project} prod RACE=first`);
    const second = await request(`set ${project} prod RACE=second`);
    await Promise.all([
      press(first.ts, first.id, "approve", "ULEAD", 3_000),
      press(second.ts, second.id, "approve", "UOPS", 3_000),
    ]);
    const settled = /^(:white_check_mark: \*Approved|:warning: \*Void|:x: Approved)/;
    const texts = [await messageMatching(first.ts, settled), await messageMatching(second.ts, settled)];
    expect(await head()).toBe(on + 1);
    const stored = (await new ConfigStore(redis, h.prefix).revision(project, "prod"))?.entries.RACE?.v;
    const [won, lost] = stored === "first" ? texts : [...texts].reverse();
    expect(won).toMatch(/^:white_check_mark: \*Approved by/);
    // The loser is void at its re-check, or — pressed in the same instant — refused by the store.
    expect(lost).toMatch(
      new RegExp(
        `the config changed since: r${on} → r${on + 1}|the config of \\*${project}/prod\\* changed since the request \\(r${on} → r${on + 1}\\); nothing was changed`,
      ),
    );
  });

  it("without CONFIG_ENCRYPTION_KEY a secret cannot even be requested", async () => {
    const hooks = configApproval({ store: new ConfigStore(redis, h.prefix) });
    const plan = {
      kind: "config" as const,
      op: "set" as const,
      project,
      env: "prod",
      requestedBy: "UDEV",
      channel: "CPROD",
      approval: { approvers: ["ULEAD"], allowSelfApproval: false, expiresMs: 60_000 },
      entries: [{ key: "API_TOKEN", value: "x", secret: true }],
    };
    await expect(hooks.pin?.(plan)).rejects.toThrow(/CONFIG_ENCRYPTION_KEY is not set on the bot/);
    await expect(hooks.seal?.(plan)).rejects.toThrow(/CONFIG_ENCRYPTION_KEY is not set on the bot/);
  });

  // Last: everything the earlier tests made the bot say and log.
  it("no secret appears in chat or in the logs", () => {
    for (const secret of [PASSWORD, MARKED, REJECTED]) {
      for (const text of h.slack.allText()) expect(text).not.toContain(secret);
      expect(h.logs.join("")).not.toContain(secret);
    }
    expect(h.logs.join("")).toContain('"approval requested"');
  });
});
