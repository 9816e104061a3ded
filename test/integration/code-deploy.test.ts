import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pressApproval } from "../support/approval-buttons.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo, runToEnd, storedWork } from "../support/ops-flow.js";

const project = uniqueName("code");
const repo = mkdtempSync(join(tmpdir(), "dockops-code-repo-"));
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo })
    .toString()
    .trim();

function commit(page: string): string {
  writeFileSync(join(repo, "index.html"), page);
  git("add", "-A");
  git("commit", "-q", "-m", page);
  return git("rev-parse", "HEAD");
}

let h: Harness;
let port: number;
let first: string;
let second: string;
const short = (c: string) => c.slice(0, 7);
const volume = (c: string) => `dockops-code-${project}-beta-${c}`;
const page = async () => (await httpGet(`http://${h.addr.serverA}:${port}/`))?.body;

/** The code volumes of the project on serverA (without their completion markers). */
async function volumes(): Promise<string[]> {
  const { Volumes } = await h.docker.serverA.listVolumes({
    filters: { label: [`dockops.code-project=${project}`] },
  });
  return (Volumes ?? [])
    .map((v) => v.Name)
    .filter((n) => !n.endsWith(".complete"))
    .sort();
}

beforeAll(async () => {
  git("init", "-q", "-b", "main");
  first = commit("code A");
  second = commit("code B");
  port = await freePort();
  h = await startHarness({
    [project]: {
      // Only a runtime: busybox httpd serving /var/www/html, healthy once the code is there.
      image: "static",
      tag: "v1",
      ports: [`${port}:80`],
      verify: "1s",
      stopTimeout: "1s",
      // No stopped container is kept, so the previous commit's volume is unused after a deploy.
      keep: 0,
      code: { repo, ref: "main", mount: "/var/www/html" },
    },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  for (const docker of [h?.docker.serverA, h?.docker.serverB]) {
    const { Volumes } = (await docker?.listVolumes({
      filters: { label: [`dockops.code-project=${project}`] },
    })) ?? { Volumes: [] };
    for (const v of Volumes ?? []) {
      await docker
        ?.getVolume(v.Name)
        .remove()
        .catch(() => {});
    }
  }
  rmSync(repo, { recursive: true, force: true });
});

describe("code at a git ref, mounted into the runtime image (real git, real Docker)", () => {
  it("deploys commit A, then main (B), rolls back to A, and prunes the volume no container uses", async () => {
    const a = await runToEnd(h, "/deploy", `${project}@${first} beta serverA`);
    expect(a).toContain(`Deployed *${project}:v1@${short(first)}* to *beta* on serverA`);
    expect(a).toMatch(new RegExp(`serverA\\*: running \`.+\` \\([0-9a-f]{12}, code ${short(first)}\\)`));
    expect(await page()).toBe("code A");
    const [running] = await managedContainers(h.docker.serverA, project);
    expect(running?.Labels["dockops.code-commit"]).toBe(first);
    const mount = (await h.docker.serverA.getContainer(running?.Id ?? "").inspect()).Mounts.find(
      (m) => m.Destination === "/var/www/html",
    );
    expect(mount).toMatchObject({ Name: volume(first), RW: false });
    expect(await volumes()).toEqual([volume(first)]);

    const b = await runToEnd(h, "/deploy", `${project} beta serverA`);
    expect(b).toContain(`Deployed *${project}:v1@main (${short(second)})* to *beta*`);
    expect(b).toContain(`, code ${short(second)})`);
    expect(await page()).toBe("code B");
    expect(await volumes()).toEqual([volume(second)]);

    const status = await replyTo(h, "/status", `${project} beta`);
    expect(status.text).toMatch(new RegExp(`v1 \\([0-9a-f]{12}, code ${short(second)}\\)`));
    const history = await replyTo(h, "/history", `${project} beta`);
    expect(history.text).toMatch(
      new RegExp(`deployed \\*v1\\* \\(\`[0-9a-f]{12}, code ${short(second)}\`\\)`),
    );
    expect(history.text).toMatch(
      new RegExp(`deployed \\*v1\\* \\(\`[0-9a-f]{12}, code ${short(first)}\`\\)`),
    );

    const back = await runToEnd(h, "/rollback", `${project} beta serverA`);
    expect(back).toContain(`Deployed *${project}:v1@${short(first)}* to *beta*`);
    expect(back).toMatch(new RegExp(`rollback to v1 \\([0-9a-f]{12}, code ${short(first)}\\)`));
    expect(await page()).toBe("code A");
    const [restored] = await managedContainers(h.docker.serverA, project);
    expect(restored?.Labels["dockops.code-commit"]).toBe(first);
    expect(await volumes()).toEqual([volume(first)]);
  }, 300_000);

  it("an approval request pins the commit: Approve deploys it even after the branch moved on", async () => {
    const before = h.slack.calls.length;
    const ack = await h.command("/deploy", `${project} prod serverB`, { user: "UDEV", channel: "CPROD" });
    expect(ack.status).toBe(200);
    const request = await h.slack.waitFor(
      () => h.slack.calls.slice(before).find((c) => c.method === "chat.postMessage"),
      90_000,
      "the approval request",
    );
    const ts = String(request.args.__ts);
    expect(h.slack.messageText(ts)).toContain(`code \`main\` at commit \`${short(second)}\``);

    const third = commit("code C");
    expect(await pressApproval(h, ts, "approve", "ULEAD", 1_000)).toBeUndefined();
    const done = await h.slack.waitFor(
      () => {
        const text = h.slack.messageText(ts);
        return text && /^:(white_check_mark|x): (Deployed|Deploy of)/.test(text) ? text : undefined;
      },
      120_000,
      "the approved deploy to finish",
    );
    expect(done).toContain(`Deployed *${project}:v1@main (${short(second)})* to *prod* on serverB`);
    expect(await httpGet(`http://${h.addr.serverB}:${port}/`)).toEqual({ status: 200, body: "code B" });
    const [running] = await managedContainers(h.docker.serverB, project);
    expect(running?.Labels["dockops.code-commit"]).toBe(second);
    expect(running?.Labels["dockops.code-commit"]).not.toBe(third);
  }, 240_000);

  it("a dry run shows the code running and the ref a real run would mount", async () => {
    const dry = await replyTo(h, "/deploy", `${project}@main beta serverA --dry-run`);
    expect(dry.text).toMatch(new RegExp(`serverA\\*: \`[0-9a-f]{12}, code ${short(first)}\` \\(v1\\) → `));
    expect(dry.text).toContain("• code at `main`: a real run mounts the commit it points to then");
  });

  it("a ref that does not exist is refused with git's reason and changes nothing", async () => {
    const before = await storedWork(h);
    const [was] = await managedContainers(h.docker.serverA, project);
    const answer = await replyTo(h, "/deploy", `${project}@no-such-branch beta serverA`, {}, 90_000);
    expect(answer.visibility).toBe("ephemeral");
    expect(answer.text).toContain(`Cannot deploy *${project}@no-such-branch*: git fetch failed`);
    expect(answer.text).toContain("no-such-branch");
    expect(answer.text).toMatch(/Nothing was done\.$/);
    expect((await storedWork(h)).deploys).toEqual(before.deploys);
    const [now] = await managedContainers(h.docker.serverA, project);
    expect(now?.Id).toBe(was?.Id);
    expect(await page()).toBe("code A");
  }, 120_000);
});
