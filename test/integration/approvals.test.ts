import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pressApproval } from "../support/approval-buttons.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { retag } from "../support/registry.js";

const project = uniqueName("appr");
let port: number;
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  port = await freePort();
  h = await startHarness(
    { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } },
    {
      approvalSweepMs: 300,
      userGroups: { SREL: ["UREL"], SDEPLOY: ["UGRP"] },
      fleet: (input) => ({
        ...input,
        roles: { deployers: ["UDEV", "SDEPLOY"] },
        environments: {
          ...input.environments,
          prod: {
            channel: "CPROD",
            channels: ["CPROD"],
            hosts: ["serverB", "serverC"],
            approval: { approvers: ["ULEAD", "UOPS", "SREL"] },
            allow: { deploy: ["deployers"] },
          },
          quick: { channel: "CQUICK", hosts: ["serverA"], approval: { approvers: ["ULEAD"], expires: "1s" } },
        },
      }),
    },
  );
  redis = new Redis(h.fleetEnv.REDIS_URL as string);
});
afterAll(async () => {
  await redis?.quit();
  await h?.close();
});

const posts = (from: number) => h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage");

/** Sends a command and returns the ts of the approval request it posted. */
async function requestDeploy(text: string, user = "UDEV", channel = "CPROD"): Promise<string> {
  const before = h.slack.calls.length;
  const ack = await h.command("/deploy", text, { user, channel });
  expect(ack.status).toBe(200);
  const post = await h.slack.waitFor(() => posts(before)[0], 10_000, "the approval request");
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    5_000,
    "ack",
  );
  expect(String(reply.body.text)).toMatch(/^Approval requested from <@ULEAD>/);
  const ts = String(post.args.__ts);
  expect(h.slack.messageText(ts)).toContain("Approval needed");
  expect(buttons(ts)).toEqual(["approval:approve", "approval:reject"]);
  return ts;
}

/** The action ids of the buttons the message shows now. */
function buttons(ts: string): string[] {
  const last = h.slack.calls.filter(
    (c) =>
      (c.method === "chat.postMessage" && c.args.__ts === ts) ||
      (c.method === "chat.update" && c.args.ts === ts),
  );
  const blocks = (last[last.length - 1]?.args.blocks ?? []) as Array<{
    type: string;
    elements?: Array<{ action_id: string }>;
  }>;
  return blocks
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b.elements ?? []).map((e) => e.action_id));
}

const press = (ts: string, action: "approve" | "reject", user: string, ms = 3_000) =>
  pressApproval(h, ts, action, user, ms);

async function finalText(ts: string): Promise<string> {
  return h.slack.waitFor(
    () => {
      const text = h.slack.messageText(ts);
      return text && /^:(white_check_mark|x|warning): (Deployed|Deploy of)/.test(text) ? text : undefined;
    },
    60_000,
    "the deploy to finish",
  );
}

const deployCount = () => redis.llen(`${h.prefix}:history:${project}:prod`);
const versions = async (host: "serverA" | "serverB" | "serverC") =>
  (await managedContainers(h.docker[host], project)).map((c) => c.Labels["dockops.version"]);

async function auditText(filter: string): Promise<string> {
  const ack = await h.command("/audit", filter, { user: "UDEV", channel: "CPROD" });
  const reply = await h.slack.waitFor(
    () => h.slack.responses.find((r) => r.id === ack.responseId),
    5_000,
    "/audit",
  );
  return String(reply.body.text ?? "") + JSON.stringify(reply.body.blocks ?? "");
}

describe("approvals", () => {
  it("request → approve by an approver → deployed, in the same message", async () => {
    const ts = await requestDeploy(`${project}:v1 prod`);
    expect(h.slack.messageText(ts)).toMatch(
      /<@UDEV> asked to deploy \*.+:v1\* to \*prod\* on serverB, serverC/,
    );
    expect(h.slack.messageText(ts)).toMatch(/\*serverB\*: nothing deployed by dockops → `[0-9a-f]{12}`/);
    expect(await deployCount()).toBe(0);

    expect(await press(ts, "approve", "ULEAD", 1_000)).toBeUndefined();
    const text = await finalText(ts);
    const versionsOfMessage = h.slack.calls
      .filter((c) => c.method === "chat.update" && c.args.ts === ts)
      .map((c) => String(c.args.text));
    expect(versionsOfMessage[0]).toMatch(
      /^:white_check_mark: \*Approved by <@ULEAD>\*: <@UDEV> asked to deploy/,
    );
    expect(versionsOfMessage[1]).toMatch(/^:rocket: Deploying .*approved by <@ULEAD>/);
    expect(text).toMatch(
      /Deployed \*.+:v1\* to \*prod\* on serverB, serverC, requested by <@UDEV>, approved by <@ULEAD>/,
    );
    expect(buttons(ts)).toEqual([]);
    expect(await httpGet(`http://${h.addr.serverB}:${port}/`)).toEqual({ status: 200, body: "web v1" });
    expect(await httpGet(`http://${h.addr.serverC}:${port}/`)).toEqual({ status: 200, body: "web v1" });
    expect(await deployCount()).toBe(1);
  });

  it("the requester and a non-approver are refused; a rejection deploys nothing", async () => {
    const ts = await requestDeploy(`${project}:v2 prod`);
    expect(h.slack.messageText(ts)).toMatch(/\*serverC\*: `[0-9a-f]{12}` → `[0-9a-f]{12}`/);
    const updates = () => h.slack.calls.filter((c) => c.method === "chat.update" && c.args.ts === ts).length;

    expect(await press(ts, "approve", "UDEV")).toMatch(/Not allowed: you asked for this.*four-eyes/);
    expect(await press(ts, "approve", "UOTHER")).toMatch(
      /Not allowed: only <@ULEAD>, <@UOPS>, <!subteam\^SREL>/,
    );
    expect(await press(ts, "reject", "UOTHER")).toMatch(/Not allowed/);
    expect(updates()).toBe(0);
    expect(buttons(ts)).toEqual(["approval:approve", "approval:reject"]);

    expect(await press(ts, "reject", "UOPS", 1_000)).toBeUndefined();
    expect(h.slack.messageText(ts)).toMatch(/Rejected by <@UOPS>.*Nothing was done/);
    expect(buttons(ts)).toEqual([]);
    expect(await press(ts, "approve", "ULEAD")).toMatch(/already rejected by <@UOPS>/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await deployCount()).toBe(1);
    expect(await versions("serverB")).toEqual(["v1"]);
    expect(await httpGet(`http://${h.addr.serverC}:${port}/`)).toEqual({ status: 200, body: "web v1" });
  });

  it("approvers pressing at the same instant (and a double click) deploy exactly once", async () => {
    const ts = await requestDeploy(`${project}:v2 prod`);
    const answers = await Promise.all([
      press(ts, "approve", "ULEAD"),
      press(ts, "approve", "UOPS"),
      press(ts, "approve", "UREL"),
      press(ts, "approve", "ULEAD"),
    ]);
    const refused = answers.filter((a) => a && /already approved by/.test(a));
    expect(refused).toHaveLength(3);
    const text = await finalText(ts);
    expect(await deployCount()).toBe(2);
    const jobs = await redis.keys(`${h.prefix}:dockops-jobs:deploy-*`);
    expect(jobs.filter((k) => /deploy-[a-z0-9]+-server[BC]$/.test(k))).toHaveLength(4);
    // The job audit lines say how each host's job went, should a host's deploy itself fail.
    expect(text, await auditText(`${project} prod 30`)).toMatch(
      /Deployed \*.+:v2\*.*approved by <@(ULEAD|UOPS|UREL)>/,
    );
    expect(await versions("serverB")).toEqual(["v2"]);
    expect(await versions("serverC")).toEqual(["v2"]);
    expect(await httpGet(`http://${h.addr.serverB}:${port}/`)).toEqual({ status: 200, body: "web v2" });
  });

  it("an expired request deploys nothing and its message says expired", async () => {
    const ts = await requestDeploy(`${project}:v1 quick`, "UDEV", "CQUICK");
    await h.slack.waitFor(() => /Expired/.test(h.slack.messageText(ts) ?? ""), 5_000, "the expiry");
    expect(h.slack.messageText(ts)).toMatch(/:hourglass: \*Expired\*.*Nothing was done/);
    expect(buttons(ts)).toEqual([]);
    expect(await press(ts, "approve", "ULEAD")).toMatch(/expired/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await redis.llen(`${h.prefix}:history:${project}:quick`)).toBe(0);
    expect(await versions("serverA")).toEqual([]);
  });

  it("a request whose tag moved before approval is void and deploys nothing", async () => {
    // One fixed tag, re-pointed each run: unique names would pile up in the shared registry
    // (a manifest cannot be deleted by tag without deleting v1 or v2 with it).
    const tag = "moving";
    await retag(h.fleetEnv, "web", "v1", tag);
    const ts = await requestDeploy(`${project}:${tag} prod`);
    await retag(h.fleetEnv, "web", "v2", tag);
    await press(ts, "approve", "ULEAD", 1_000);
    await h.slack.waitFor(() => /Void/.test(h.slack.messageText(ts) ?? ""), 5_000, "the void message");
    expect(h.slack.messageText(ts)).toMatch(
      new RegExp(
        `Void\\*:.*the tag \`${tag}\` now resolves to \`[0-9a-f]{12}\`, not the \`[0-9a-f]{12}\` that was shown`,
      ),
    );
    expect(buttons(ts)).toEqual([]);
    expect(await deployCount()).toBe(2);
  });
});

describe("roles and channels", () => {
  async function denied(text: string, user: string, channel: string): Promise<string> {
    const before = h.slack.calls.length;
    const ack = await h.command("/deploy", text, { user, channel });
    const reply = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.id === ack.responseId),
      5_000,
      "the reply",
    );
    expect(reply.body.response_type).toBe("ephemeral");
    await new Promise((r) => setTimeout(r, 200));
    expect(posts(before)).toEqual([]);
    return String(reply.body.text);
  }

  it.each([
    [
      "a user in no role",
      `v1 prod`,
      "UOTHER",
      "CPROD",
      /may not run `deploy` in \*prod\*: only the \*deployers\* role may/,
    ],
    ["an approver who is not a deployer", `v1 prod`, "ULEAD", "CPROD", /may not run `deploy`/],
    [
      "a deployer in the wrong channel",
      `v1 prod`,
      "UDEV",
      "CBETA",
      /\*prod\* commands may only be run from <#CPROD>/,
    ],
    ["a dry run in the wrong channel", `v1 prod --dry-run`, "UDEV", "CBETA", /may only be run from <#CPROD>/],
  ])("%s is denied, and nothing is posted or stored", async (_name, rest, user, channel, expected) => {
    const text = await denied(`${project}:${rest}`, user, channel);
    expect(text).toMatch(expected);
    expect(text).toContain("Nothing was done");
  });

  it("a member of a user group in the role may ask; environments without rules stay open", async () => {
    const ts = await requestDeploy(`${project}:v1 prod`, "UGRP");
    expect(await press(ts, "reject", "ULEAD", 1_000)).toBeUndefined();
    const ack = await h.command("/deploy", `${project}:v1 beta --dry-run`, {
      user: "UOTHER",
      channel: "CQUICK",
    });
    const reply = await h.slack.waitFor(
      () => h.slack.responses.find((r) => r.id === ack.responseId),
      5_000,
      "dry run",
    );
    expect(String(reply.body.text)).toMatch(/Dry run — nothing was done\. Would deploy/);
  });
});

describe("audit trail", () => {
  it("masks secrets in the command text it records", async () => {
    await h.command("/deploy", `${project} prod DB_PASSWORD=hunter2secret --secret API=xyz12345`, {
      user: "UDEV",
      channel: "CPROD",
    });
    const all = await auditText("100");
    expect(all).toMatch(/command usage\*.*DB_PASSWORD=••••et --secret API=••••45/);
    expect(all).not.toContain("hunter2secret");
    expect(all).not.toContain("xyz12345");
    expect(h.logs.join("")).not.toContain("hunter2secret");
  });

  it("records denials, decisions and jobs; /audit shows one project and environment", async () => {
    const text = await auditText(`${project} prod 100`);
    for (const expected of [
      /command planned\*/,
      /denied deploy\*.*may not run/,
      /denied deploy\*.*may only be run from/,
      /denied approve\*.*four-eyes/,
      /denied approve\*.*only <@ULEAD>/,
      /approval requested\*/,
      /approval approved\*/,
      /approval rejected\*/,
      /approval void\*.*now resolves to/,
      /job started\*.*deploy on serverB/,
      /job finished\*.*deploy on serverC/,
    ]) {
      expect(text).toMatch(expected);
    }
    const quick = await auditText(`quick ${project}`);
    expect(quick).toMatch(/approval expired\*/);
    expect(quick).not.toMatch(/\(\S+ prod\)/);
    expect(h.logs.some((l) => l.includes('"msg":"audit"') && l.includes('"action":"approved"'))).toBe(true);
    expect(await redis.xlen(`${h.prefix}:audit`)).toBeGreaterThan(20);
  });
});
