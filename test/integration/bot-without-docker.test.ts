import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../../src/env.js";
import { fleetSchema, type HostSpec } from "../../src/fleet/schema.js";
import { createLogger } from "../../src/log.js";
import { type Runtime, startRuntime } from "../../src/runtime.js";
import { dockerFor, removeProject } from "../support/docker.js";
import { need } from "../support/fleet-env.js";
import { type Harness, startHarness, testFleetInput } from "../support/harness.js";
import { uniqueName } from "../support/names.js";
import { runToEnd } from "../support/ops-flow.js";
import { ask } from "../support/ops-read.js";

const web = uniqueName("nd");
const projects = { [web]: { image: "web", tag: "v1", verify: "1s" } };
let h: Harness;
let worker: Runtime | undefined;

/**
 * The bot's fleet file names the same hosts at addresses where no Docker answers; only the
 * worker's names the real ones. Whatever the bot shows about the hosts came through a worker.
 */
beforeAll(async () => {
  const nowhere = (last: number) => ({ docker: `tcp://10.250.0.${last}:2399`, timeout: "2s" });
  h = await startHarness(projects, {
    roles: ["bot"],
    hosts: { serverA: nowhere(2), serverB: nowhere(3), serverC: nowhere(4) },
  });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  worker = await startRuntime({
    env: loadEnv({ REDIS_URL: need(h.fleetEnv, "REDIS_URL"), PORT: "0" }),
    fleet: fleetSchema.parse(testFleetInput(h.fleetEnv, projects)),
    roles: ["worker"],
    log: createLogger("warn", quiet),
    prefix: h.prefix,
    graceMs: 1_000,
  });
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
  // The harness's clients point nowhere, so its own clean-up cannot reach the real hosts.
  const real = fleetSchema.parse(testFleetInput(h.fleetEnv, projects));
  await removeProject(dockerFor("serverA", real.hosts.serverA as HostSpec), web);
});

describe("a bot with no route to any Docker host", () => {
  it("deploys, and shows /status, /hosts, /logs and a dry run as the worker read them", async () => {
    expect(await runToEnd(h, "/deploy", `${web}:v1 beta serverA`)).toContain("Deployed");

    const status = await ask(h, "/status", `${web} beta`);
    expect(status.text).toMatch(new RegExp(`\\nserverA +${web} +beta +v1 \\(\\w{12}\\) +running +healthy`));
    expect(status.text).not.toContain("Unreachable");

    // serverC is left out: test/faults/monitor-host.test.ts stops and starts it meanwhile.
    const hosts = await ask(h, "/hosts", "serverA serverB");
    for (const host of ["serverA", "serverB"]) expect(hosts.text).toMatch(new RegExp(`\\n${host} +yes `));

    const logs = await ask(h, "/logs", `${web} beta serverA --tail 20`);
    expect(logs.text).toContain("web v1 starting");

    const dry = await ask(h, "/deploy", `${web}:v2 beta serverA --dry-run`);
    expect(dry.text).toMatch(/• \*serverA\*: `\w{12}` \(v1\) → `\w{12}` \(v2\) · replaces/);
  });

  it("says no worker answered, naming the wait, when no worker runs", async () => {
    await worker?.close();
    worker = undefined;
    const status = await ask(h, "/status", `${web} beta`, { timeoutMs: 20_000 });
    expect(status.text).toContain("serverA: no worker answered within 10s — is a worker running?");
    expect(status.ms).toBeGreaterThanOrEqual(9_900);
  });
});
