import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pressApproval } from "../support/approval-buttons.js";
import { managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { replyTo, runToEnd, storedWork } from "../support/ops-flow.js";

const project = uniqueName("pin");
const idle = uniqueName("idle");
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    // No host port: serverB is in beta and in prod, and runs both.
    [project]: { image: "web", tag: "v1", verify: "1s" },
    [idle]: { image: "web", tag: "v1", verify: "1s" },
  });
});
afterAll(async () => {
  await h?.close();
});

const HEX = "[0-9a-f]{12}";
const posts = (from: number) => h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage");

/** Sends a command in prod as UDEV and returns the ts of the approval request it posted. */
async function request(command: string, text: string): Promise<string> {
  const before = h.slack.calls.length;
  const reply = await replyTo(h, command, text, { user: "UDEV", channel: "CPROD" });
  expect(reply.text).toMatch(/^Approval requested from <@ULEAD>, <@UOPS>/);
  const post = await h.slack.waitFor(() => posts(before)[0], 5_000, "the approval request");
  return String(post.args.__ts);
}

const press = (ts: string, action: "approve" | "reject", user: string, ms = 2_000) =>
  pressApproval(h, ts, action, user, ms);

/** The approval message once the run it took over is finished. */
const finished = (ts: string) =>
  h.slack.waitFor(
    () => {
      const text = h.slack.messageText(ts);
      return text && /Deployed|failed/.test(text.split("\n")[0] ?? "") ? text : undefined;
    },
    60_000,
    "the approved run to finish",
  );

/** Every text the message had, in order. */
const versionsOf = (ts: string) =>
  h.slack.calls.filter((c) => c.method === "chat.update" && c.args.ts === ts).map((c) => String(c.args.text));

/** Digests of the project's running containers on a host in one environment (prod by default). */
const digestsOn = async (host: "serverA" | "serverB" | "serverC", env = "prod") =>
  (await managedContainers(h.docker[host], project))
    .filter((c) => c.Labels["dockops.env"] === env)
    .map((c) => c.Labels["dockops.digest"] ?? "");

/** The short digest a line of the approval message shows as the new one on `host`. */
function shownNext(text: string, host: string): string {
  const m = new RegExp(`\\*${host}\\*: .* → \`(${HEX})\``).exec(text);
  if (!m?.[1]) throw new Error(`no digest shown for ${host} in:\n${text}`);
  return m[1];
}
const short = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

describe("promote, rollback and scale approval requests pin what they show", () => {
  let v1 = "";
  let v2 = "";

  it("promote beta → prod pins the digest beta ran at request time, even after beta moves on", async () => {
    expect(await runToEnd(h, "/deploy", `${project}:v1 beta`)).toContain("Deployed");
    [v1 = ""] = await digestsOn("serverA", "beta");
    const ts = await request("/promote", `${project} beta prod`);
    const shown = h.slack.messageText(ts) ?? "";
    expect(shown).toMatch(
      new RegExp(`asked to promote \\*${project}\\* from \\*beta\\* to \\*prod\\* on serverB, serverC`),
    );
    expect(shown).toMatch(new RegExp(`\\*serverB\\*: nothing deployed by dockops → \`${HEX}\` \\(v1\\)`));
    expect(shownNext(shown, "serverC")).toBe(short(v1));

    // beta moves on to v2 before anyone approves: Approve still deploys what was shown.
    expect(await runToEnd(h, "/deploy", `${project}:v2 beta`)).toContain("Deployed");
    [v2 = ""] = await digestsOn("serverA", "beta");
    expect(v2).not.toBe(v1);

    expect(await press(ts, "approve", "UDEV")).toMatch(/Not allowed: you asked for this.*four-eyes/);
    expect(await press(ts, "approve", "ULEAD", 500)).toBeUndefined();
    const text = await finished(ts);
    expect(text).toMatch(/Deployed .*to \*prod\* on serverB, serverC.*approved by <@ULEAD>/);
    expect(versionsOf(ts)[0]).toMatch(/^:white_check_mark: \*Approved by <@ULEAD>\*/);
    expect(await digestsOn("serverB")).toEqual([v1]);
    expect(await digestsOn("serverC")).toEqual([v1]);
  });

  it("rollback shows current → previous digest per host; approved, it runs in the request's message", async () => {
    const promote = await request("/promote", `${project} beta prod`);
    expect(await press(promote, "approve", "UOPS", 500)).toBeUndefined();
    expect(await finished(promote)).toContain("Deployed");
    expect(await digestsOn("serverB")).toEqual([v2]);

    const ts = await request("/rollback", `${project} prod`);
    const shown = h.slack.messageText(ts) ?? "";
    expect(shown).toMatch(
      new RegExp(`asked to roll back \\*${project}\\* in \\*prod\\* on serverB, serverC`),
    );
    for (const host of ["serverB", "serverC"]) {
      expect(shown).toContain(`*${host}*: \`${short(v2)}\` (v2) → \`${short(v1)}\` (v1), no stored config`);
    }
    const before = posts(0).length;
    expect(await press(ts, "approve", "ULEAD", 500)).toBeUndefined();
    const text = await finished(ts);
    expect(text).toMatch(/Deployed .*to \*prod\*.*approved by <@ULEAD>/);
    expect(text).toContain("rollback to v1");
    const versions = versionsOf(ts);
    expect(versions[0]).toMatch(/^:white_check_mark: \*Approved by <@ULEAD>\*: <@UDEV> asked to roll back/);
    expect(versions.some((v) => /^:rocket: Deploying .*approved by <@ULEAD>/.test(v))).toBe(true);
    // The run took over the request's message: no separate progress message.
    expect(posts(0).length).toBe(before);
    expect(await digestsOn("serverB")).toEqual([v1]);
    expect(await digestsOn("serverC")).toEqual([v1]);
  });

  it("a request is void when someone deployed in between, and says why", async () => {
    const ts = await request("/rollback", `${project} prod`);
    expect(h.slack.messageText(ts)).toContain(`\`${short(v1)}\` (v1) → \`${short(v2)}\` (v2)`);
    const promote = await request("/promote", `${project} beta prod`);
    expect(await press(promote, "approve", "UOPS", 500)).toBeUndefined();
    expect(await finished(promote)).toContain("Deployed");

    const stored = await storedWork(h);
    await press(ts, "approve", "ULEAD", 500);
    await h.slack.waitFor(() => /Void/.test(h.slack.messageText(ts) ?? ""), 5_000, "the void message");
    expect(h.slack.messageText(ts)).toMatch(
      new RegExp(
        `Void\\*:.*\\*serverB\\* now runs \`${short(v2)}\` \\(v2\\) by the deploy history, not the \`${short(v1)}\` \\(v1\\) that was shown as current`,
      ),
    );
    expect(await storedWork(h)).toEqual(stored);
  });

  it("scale shows per host digest and replicas, and the approved run keeps the shown digest", async () => {
    const ts = await request("/scale", `${project} prod 1`);
    const shown = h.slack.messageText(ts) ?? "";
    expect(shown).toMatch(
      new RegExp(`asked to scale \\*${project}\\* in \\*prod\\* to 1 replica on serverB, serverC`),
    );
    expect(shown).toContain(`*serverB*: \`${short(v2)}\` (v2) ×1 → \`${short(v2)}\` (v2) ×1`);
    expect(shown).toContain(`*serverC*: \`${short(v2)}\` (v2) ×1 → nothing (retired)`);
    expect(await press(ts, "approve", "ULEAD", 500)).toBeUndefined();
    expect(await finished(ts)).toMatch(/Deployed .*approved by <@ULEAD>/);
    expect(await digestsOn("serverB")).toEqual([v2]);
    expect(await digestsOn("serverC")).toEqual([]);
  });

  it("a request that cannot be pinned is refused at once, and nobody is asked", async () => {
    const stored = await storedWork(h);
    const before = h.slack.calls.length;
    const rollback = await replyTo(h, "/rollback", `${idle} prod`, { user: "UDEV", channel: "CPROD" });
    expect(rollback.text).toMatch(/^Nothing to roll back to on \*serverB\*: no successful deploy/);
    const promote = await replyTo(h, "/promote", `${idle} beta prod`, { user: "UDEV", channel: "CPROD" });
    expect(promote.text).toMatch(/^Cannot promote: nothing of \*.+\* in \*beta\* is running/);
    await new Promise((r) => setTimeout(r, 200));
    expect(posts(before)).toEqual([]);
    expect(await storedWork(h)).toEqual(stored);
  });
});
