import { renameSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetInput } from "../../src/fleet/schema.js";
import { finishedDeployMessage } from "../support/deploy-message.js";
import { managedContainers } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { type Harness, startHarness } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { runToEnd } from "../support/ops-flow.js";
import { ask, storeOf } from "../support/ops-read.js";
import { kill, type Spawned, spawnRole, waitForOutput } from "../support/processes.js";
import { blocksText } from "../support/slack-standin.js";

const web = uniqueName("fr");
let h: Harness;
let input: FleetInput;
let worker: Spawned;
let monitor: Spawned;

/** Replaces the file as editors and `git pull` do: a new file renamed over the old one. */
function writeFleet(text: string): void {
  const tmp = `${h.fleetFile}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, h.fleetFile);
}

function count(p: Spawned, text: string): number {
  return p.output.join("").split(text).length - 1;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  h = await startHarness(
    { [web]: { image: "web", tag: "v1", verify: "1s" } },
    {
      roles: ["bot"],
      watchFleet: true,
      fleet: (f) => {
        input = { ...f, alerts: { channel: "CFLEETALERTS" } };
        return input;
      },
    },
  );
  const follow = { FLEET_WATCH_MS: "200" };
  // Slow steps, so a fleet change can land while a deploy is under way.
  worker = spawnRole(h, "worker", { ...follow, DOCKOPS_FAULT_STEP_DELAY_MS: "400" });
  monitor = spawnRole(h, "monitor", {
    ...follow,
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_API_URL: h.slack.apiUrl,
  });
  await Promise.all([waitForOutput(worker, "worker started"), waitForOutput(monitor, "monitor started")]);
}, 120_000);
afterAll(async () => {
  if (worker) await kill(worker, "SIGTERM");
  if (monitor) await kill(monitor, "SIGTERM");
  await h?.close();
});

describe("a fleet file changed while bot, worker and monitor run", () => {
  it("takes a new host into use within seconds, without a restart", async () => {
    const before = await ask(h, "/hosts", "serverD");
    expect(before.text).toContain("serverD");
    expect(before.text).not.toMatch(/\nserverD +yes /);

    // serverD is a second name for daemon b: a new host as far as every process can tell.
    const serverD = { docker: need(h.fleetEnv, "HOST_B_DOCKER"), timeout: "10s" };
    input = {
      ...input,
      hosts: { ...input.hosts, serverD },
      environments: {
        ...input.environments,
        beta: { ...input.environments.beta, channel: "CBETA", hosts: ["serverA", "serverB", "serverD"] },
      },
    };
    const changedAt = Date.now();
    writeFleet(JSON.stringify(input, null, 2));

    const hosts = await until("/hosts to show serverD", async () => {
      const answer = await ask(h, "/hosts", "serverD");
      return /\nserverD +yes /.test(answer.text) ? answer.text : undefined;
    });
    expect(hosts).toMatch(/\nserverD +yes /);
    expect(Date.now() - changedAt).toBeLessThan(20_000);
    await Promise.all([
      waitForOutput(worker, "the new version is in force", 20_000),
      waitForOutput(monitor, "the new version is in force", 20_000),
    ]);

    expect(await runToEnd(h, "/deploy", `${web}:v1 beta serverD`)).toContain("Deployed");
    const running = await managedContainers(h.docker.serverB, web);
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v1"]);
  }, 120_000);

  it("lets a deploy under way finish while the change is applied", async () => {
    const store = storeOf(h);
    try {
      const since = h.slack.calls.length;
      await h.command("/deploy", `${web}:v2 beta serverA`);
      await until("the deploy to be under way", async () => {
        const newest = (await store.store.history(web, "beta", 1))[0];
        return newest?.meta.tag === "v2" && newest.hosts.serverA?.state === "running" ? true : undefined;
      });
      const applied = count(worker, "the new version is in force");
      input = { ...input, hosts: { ...input.hosts, serverE: { docker: need(h.fleetEnv, "HOST_A_DOCKER") } } };
      writeFleet(JSON.stringify(input, null, 2));
      await until("the worker to apply the change", async () =>
        count(worker, "the new version is in force") > applied ? true : undefined,
      );
      const newest = (await store.store.history(web, "beta", 1))[0];
      expect(newest?.hosts.serverA?.state).toBe("running");
      expect(await finishedDeployMessage(h.slack, since, 60_000)).toContain("Deployed");
    } finally {
      store.redis.disconnect();
    }
  }, 120_000);

  it("refuses an invalid edit, keeps the version in force and says so once in the alerts channel", async () => {
    const broken = {
      ...input,
      environments: {
        ...input.environments,
        beta: { ...input.environments.beta, hosts: ["serverA", "nowhere"] },
      },
    };
    const since = h.slack.calls.length;
    writeFleet(JSON.stringify(broken, null, 2));

    const refusals = await until("the refusal in the alerts channel", async () => {
      const posted = h.slack.calls
        .slice(since)
        .filter((c) => c.method === "chat.postMessage" && c.args.channel === "CFLEETALERTS");
      return posted.length > 0 ? posted : undefined;
    });
    await Promise.all([
      waitForOutput(worker, "the changed fleet file was refused", 20_000),
      waitForOutput(monitor, "the changed fleet file was refused", 20_000),
    ]);
    // Three processes read it; one message says so.
    await new Promise((r) => setTimeout(r, 1_000));
    const all = h.slack.calls
      .slice(since)
      .filter((c) => c.method === "chat.postMessage" && c.args.channel === "CFLEETALERTS");
    expect(all).toHaveLength(1);
    const text = blocksText(refusals[0]?.args ?? {});
    expect(text).toContain("was refused; the previous version stays in force");
    expect(text).toMatch(/environments\.beta\.hosts.*: unknown host "nowhere"/);

    // serverD is still there, and the beta hosts still include it.
    const hosts = await ask(h, "/hosts", "serverD");
    expect(hosts.text).toMatch(/\nserverD +yes /);
    expect(await runToEnd(h, "/deploy", `${web}:v1 beta serverD`)).toMatch(/Deployed|already/);
  }, 120_000);
});
