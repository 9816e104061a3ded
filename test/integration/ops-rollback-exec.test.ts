import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExec } from "../../worker/exec/run-exec.js";
import { httpGet, managedContainers } from "../support/docker.js";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { replyTo, runToEnd, storedWork } from "../support/ops-flow.js";

const project = uniqueName("rb");
let port: number;
let h: Harness;

beforeAll(async () => {
  port = await freePort();
  h = await startHarness({
    [project]: {
      image: "web",
      tag: "v1",
      ports: [`${port}:80`],
      verify: "1s",
      exec: { allow: ["cat /www/index.html"] },
    },
  });
});
afterAll(async () => {
  await h?.close();
});

async function runningDigests(): Promise<string[]> {
  const running = await managedContainers(h.docker.serverA, project);
  return running.map((c) => c.Labels["dockops.digest"] as string);
}

const short = (digest: string) => digest.replace("sha256:", "").slice(0, 12);

describe("rollback, dry run, exec and lock on the real fleet", () => {
  let v1: string;
  let v2: string;

  it("rolls v2 back to the v1 digest, which serves again", async () => {
    expect(await runToEnd(h, "/deploy", `${project}:v1 beta serverA`)).toContain("Deployed");
    [v1] = (await runningDigests()) as [string];
    expect(await runToEnd(h, "/deploy", `${project}:v2 beta serverA`)).toContain("Deployed");
    [v2] = (await runningDigests()) as [string];
    expect(v2).not.toBe(v1);

    const text = await runToEnd(h, "/rollback", `${project} beta serverA`);
    expect(text).toContain(`Deployed *${project}:v1* to *beta* on serverA`);
    expect(text).toContain(`_rollback to v1 (${short(v1)})_`);
    expect(await runningDigests()).toEqual([v1]);
    expect(await httpGet(`http://${h.addr.serverA}:${port}/`)).toEqual({ status: 200, body: "web v1" });
    // Verified, it gets the project's restart policy (it ran with "no" while on probation).
    const [running] = await managedContainers(h.docker.serverA, project);
    const info = await h.docker.serverA.getContainer(running?.Id ?? "").inspect();
    expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
  });

  it("a dry run shows current → new digest and the container it would replace, and changes nothing", async () => {
    const [before] = await managedContainers(h.docker.serverA, project);
    const stored = await storedWork(h);
    const calls = h.slack.calls.filter((c) => c.method === "chat.postMessage").length;

    const deploy = await replyTo(h, "/deploy", `${project}:v2 beta serverA --dry-run`);
    expect(deploy.visibility).toBe("ephemeral");
    expect(deploy.text).toContain("Dry run — nothing was done");
    expect(deploy.text).toContain(
      `*serverA*: \`${short(v1)}\` (v1) → \`${short(v2)}\` (v2) · replaces \`${before?.Names[0]?.slice(1)}\``,
    );
    // After the rollback to v1, rolling back again goes to v2.
    const rollback = await replyTo(h, "/rollback", `${project} beta --dry-run serverA`);
    expect(rollback.text).toContain(`\`${short(v1)}\` (v1) → \`${short(v2)}\` (v2)`);

    expect(await storedWork(h)).toEqual(stored);
    expect(h.slack.calls.filter((c) => c.method === "chat.postMessage").length).toBe(calls);
    const [after] = await managedContainers(h.docker.serverA, project);
    expect(after?.Id).toBe(before?.Id);
  });

  it("exec of an allowed command returns its output to the requester", async () => {
    const reply = await replyTo(h, "/exec", `${project} beta serverA -- cat /www/index.html`);
    expect(reply.visibility).toBe("ephemeral");
    expect(reply.text).toContain("`cat /www/index.html`");
    expect(reply.text).toContain("exit 0");
    expect(reply.text).toContain("web v1");
  });

  it("the worker cuts output at the cap and stops waiting at the timeout", async () => {
    const job = { execId: "limits1", project, env: "beta", host: "serverA", requestedBy: "UDEV" };
    const cut = await runExec(
      h.docker.serverA,
      { ...job, argv: ["cat", "/www/index.html"] },
      {
        timeoutMs: 10_000,
        maxOutputBytes: 3,
      },
    );
    expect(cut).toMatchObject({ output: "web", truncated: true, timedOut: false, exitCode: 0 });
    const started = Date.now();
    const slow = await runExec(
      h.docker.serverA,
      { ...job, argv: ["sleep", "30"] },
      {
        timeoutMs: 500,
        maxOutputBytes: 100,
      },
    );
    expect(slow).toMatchObject({ timedOut: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a disallowed command is refused and never queued", async () => {
    const stored = await storedWork(h);
    for (const text of [
      `${project} beta serverA -- cat /etc/passwd`,
      `${project} beta serverA -- sh -c cat /www/index.html`,
      `${project} beta serverA -- cat`,
    ]) {
      const reply = await replyTo(h, "/exec", text);
      expect(reply.text).toMatch(
        /was not run: .* allows only commands starting with `cat \/www\/index.html`/,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await storedWork(h)).toEqual(stored);
  });

  it("a locked environment refuses deploys and rollbacks, naming who locked it and why", async () => {
    const lock = await replyTo(h, "/lock", `${project} beta release freeze`, { user: "ULEAD" });
    expect(lock.visibility).toBe("in_channel");
    expect(lock.text).toContain(`<@ULEAD> locked *${project}* in *beta*: release freeze`);
    const stored = await storedWork(h);

    for (const [command, text] of [
      ["/deploy", `${project}:v2 beta serverA`],
      ["/rollback", `${project} beta serverA`],
      ["/ops", `deploy ${project} beta`],
    ] as const) {
      const refused = await replyTo(h, command, text);
      expect(refused.text).toMatch(
        /is locked by <@ULEAD> since \d{4}-\d\d-\d\d \d\d:\d\d UTC: release freeze/,
      );
    }
    expect(await storedWork(h)).toEqual(stored);
    expect(await runningDigests()).toEqual([v1]);

    const again = await replyTo(h, "/lock", `${project} beta other reason`);
    expect(again.text).toMatch(/already locked by <@ULEAD>/);
    const unlock = await replyTo(h, "/unlock", `${project} beta`);
    expect(unlock.text).toContain(`<@UDEV> unlocked *${project}* in *beta*`);
    expect((await replyTo(h, "/unlock", `${project} beta`)).text).toMatch(/is not locked/);
  });
});
