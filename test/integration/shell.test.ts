import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, httpGet, managedContainers, removeProject } from "../support/docker.js";
import { type FleetEnv, need, readFleetEnv } from "../support/fleet-env.js";
import { testFleetInput } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";
import { type ShellProcess, spawnShell, writeFleetFile } from "../support/spawn-shell.js";

const project = uniqueName("sh");
let port: number;
let fe: FleetEnv;
let env: Record<string, string>;
let shell: ShellProcess;

beforeAll(async () => {
  fe = readFleetEnv();
  port = await freePort();
  const file = writeFleetFile(
    testFleetInput(fe, { [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s" } }),
  );
  env = {
    FLEET_FILE: file,
    REDIS_URL: need(fe, "REDIS_URL"),
    REGISTRY_PASSWORD: need(fe, "REGISTRY_PASSWORD"),
    DOCKOPS_PREFIX: uniqueName("q"),
    PORT: "0",
  };
  shell = spawnShell(["--user", "UDEV"], env);
  // As for every process a test spawns: tsx compiles the sources first, slowly on a busy machine.
  await shell.waitFor(/dockops shell — you are UDEV/, { timeoutMs: 90_000 });
});

afterAll(async () => {
  shell?.child.kill("SIGTERM");
  await shell?.exited;
  const fleetEnv = readFleetEnv();
  const a = dockerFor("serverA", { docker: need(fleetEnv, "HOST_A_DOCKER"), timeout: 10_000 });
  await removeProject(a, project).catch(() => {});
});

const metricsUrl = () => {
  const match = /metrics: (http:\/\/\S+\/metrics)/.exec(shell.out());
  if (!match?.[1]) throw new Error(`no metrics address in:\n${shell.out()}`);
  return match[1];
};

const metric = (text: string, line: string): number => {
  const hit = text.split("\n").find((l) => l.startsWith(`${line} `));
  return hit ? Number(hit.slice(line.length + 1)) : 0;
};

describe("the shell, typed into as a user would", () => {
  it("deploys, shows progress lines, and the container serves", async () => {
    const before = await (await fetch(metricsUrl())).text();
    const from = shell.out().length;
    shell.type(`/deploy ${project}:v1 beta serverA`);
    const seen = await shell.waitFor(/✅ Deployed/, { from, timeoutMs: 90_000 });
    expect(seen).toContain(`🚀 Deploying ${project}:v1 to beta on serverA, requested by @UDEV`);
    expect(seen).toMatch(/🔄 serverA: (resolving tag|pulling image|creating container|waiting for health)/);
    expect(seen).toMatch(/✅ serverA: running \S+ \([0-9a-f]{12}\) in \d/);
    expect(seen).not.toMatch(/\*|<@/);
    expect(await httpGet(`http://${need(fe, "HOST_A_ADDR")}:${port}/`)).toEqual({
      status: 200,
      body: "web v1",
    });

    const after = await (await fetch(metricsUrl())).text();
    const accepted = 'dockops_commands_total{command="deploy",outcome="accepted"}';
    expect(metric(after, accepted)).toBe(metric(before, accepted) + 1);
    const succeeded = 'dockops_deploys_total{outcome="succeeded"}';
    expect(metric(after, succeeded)).toBe(metric(before, succeeded) + 1);
    expect(
      metric(after, 'dockops_job_duration_seconds_count{kind="deploy",outcome="succeeded"}'),
    ).toBeGreaterThan(0);
    expect(after).toMatch(/dockops_queue_jobs\{state="waiting"\} 0/);
  });

  it("answers help and typos with suggestions, and nothing is started", async () => {
    const from = shell.out().length;
    shell.type("/ops help");
    await shell.waitFor(/Commands \(each also works as \/ops <command> \.\.\.\):/, { from });
    shell.type(`/deploy ${project} beta serverD`);
    await shell.waitFor(/no host serverD; did you mean serverA\?/, { from });
    shell.type("/deplyo x");
    await shell.waitFor(/unknown command deplyo; did you mean deploy\? Known commands: deploy/, { from });
    const metrics = await (await fetch(metricsUrl())).text();
    expect(metric(metrics, 'dockops_commands_total{command="deploy",outcome="usage"}')).toBe(1);
    expect(metric(metrics, 'dockops_commands_total{command="unknown",outcome="usage"}')).toBe(1);
    expect(shell.out().slice(from)).not.toContain("Deploying");
    const running = await managedContainers(
      dockerFor("serverA", { docker: need(fe, "HOST_A_DOCKER"), timeout: 10_000 }),
      project,
    );
    expect(running.map((c) => c.Labels["dockops.version"])).toEqual(["v1"]);
  });

  it("--once deploys, prints the outcome and exits 0; a failed deploy exits 1; a typo exits 2", async () => {
    const ok = spawnShell(["--once", `/deploy ${project}:v2 beta serverA`], env);
    const typo = spawnShell(["--once", `/deploy ${project} btea`], env);
    expect(await ok.exited).toBe(0);
    expect(ok.out()).toMatch(new RegExp(`✅ Deployed ${project}:v2 to beta on serverA`));
    expect(await httpGet(`http://${need(fe, "HOST_A_ADDR")}:${port}/`)).toEqual({
      status: 200,
      body: "web v2",
    });

    const bad = spawnShell(["--once", `/deploy ${project}:crash beta serverA`], env);
    expect(await bad.exited).toBe(1);
    expect(bad.out()).toMatch(/❌ Deploy of .* failed; the previous version keeps serving/);
    expect(bad.out()).toContain("fatal: cannot connect to database");
    expect(await httpGet(`http://${need(fe, "HOST_A_ADDR")}:${port}/`)).toEqual({
      status: 200,
      body: "web v2",
    });

    expect(await typo.exited).toBe(2);
    expect(typo.out()).toContain("no environment btea; did you mean beta?");
  });

  it("without Redis, says what to run instead of retrying", async () => {
    const down = spawnShell(["--once", "/ops help"], { ...env, REDIS_URL: "redis://127.0.0.1:1" });
    expect(await down.exited).toBe(1);
    expect(down.err()).toContain("cannot reach Redis at redis://127.0.0.1:1");
    expect(down.err()).toContain("docker run -d --name dockops-redis -p 6379:6379 redis:7");
  });
});
