import type Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { newDeployId } from "../../src/deploys/id.js";
import { type Fleet, fleetSchema } from "../../src/fleet/schema.js";
import type { DeployJob } from "../../src/jobs/schemas.js";
import { createLogger } from "../../src/log.js";
import { RegistryClient } from "../../src/registry/client.js";
import { type DeployContext, runDeploy } from "../../worker/deploy/run-deploy.js";
import { dockerFor, httpGet, managedContainers, removeProject } from "../support/docker.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { testFleetInput } from "../support/harness.js";
import { freePort, uniqueName } from "../support/names.js";

/**
 * Found by the chaos soak: a retry of a crashed deploy that failed early (the registry was down
 * at "resolving tag") left the crashed attempt's new container running and the old one stopped;
 * and a deploy that failed because dockerd went away left a container whose restart policy was
 * already set, so dockerd started it again. The worker's deploy runs here directly on serverA.
 */
const fe = readFleetEnv();
const projects: string[] = [];
let docker: Docker | undefined;

async function setUp(): Promise<{ fleet: Fleet; project: string; port: number; docker: Docker }> {
  const project = uniqueName("retry");
  projects.push(project);
  const port = await freePort();
  const fleet = fleetSchema.parse(
    testFleetInput(fe, {
      [project]: { image: "web", tag: "v1", ports: [`${port}:80`], verify: "1s", stopTimeout: "2s" },
    }),
  );
  docker = dockerFor("serverA", fleet.hosts.serverA as Fleet["hosts"][string]);
  return { fleet, project, port, docker };
}

afterAll(async () => {
  for (const project of projects) if (docker) await removeProject(docker, project);
});

function context(fleet: Fleet, project: string, over: Partial<DeployContext> = {}): DeployContext {
  return {
    docker: docker as Docker,
    registry: new RegistryClient(fleet.registry),
    spec: fleet.projects[project] as Fleet["projects"][string],
    environment: { values: {}, secrets: [] },
    log: createLogger("silent"),
    step: async () => {},
    intendStop: async () => {},
    graceMs: 500,
    ...over,
  };
}

const job = (project: string, deployId: string, tag: string): DeployJob => ({
  deployId,
  project,
  env: "beta",
  host: "serverA",
  tag,
  requestedBy: "U1",
});

const running = async (project: string) =>
  (await managedContainers(docker as Docker, project)).map((c) => c.Names[0] ?? "");

describe("a deploy attempt that fails", () => {
  it("early on a retry removes the crashed attempt's containers and restarts the old ones", async () => {
    const { fleet, project, port } = await setUp();
    await runDeploy(job(project, newDeployId(), "v1"), context(fleet, project));
    const url = `http://${need(fe, "HOST_A_ADDR")}:${port}/`;
    expect(await httpGet(url)).toEqual({ status: 200, body: "web v1" });

    // The first attempt of v2 stops v1, starts v2, and its worker dies while v2 is checked.
    const v2 = job(project, newDeployId(), "v2");
    let stopped: string[] = [];
    let crashed = false;
    void runDeploy(
      v2,
      context(fleet, project, {
        step: async (text, extra) => {
          if (extra?.previous) stopped = extra.previous;
          if (text === "waiting for health") {
            crashed = true;
            await new Promise(() => {});
          }
        },
      }),
    );
    const deadline = Date.now() + 60_000;
    while (!crashed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(crashed).toBe(true);
    expect(stopped).toHaveLength(1);

    // The retry finds the registry down before it gets to replace the crashed attempt's work.
    const down = new RegistryClient({ ...fleet.registry, url: `127.0.0.1:${await freePort()}` }, 2_000);
    await expect(
      runDeploy(v2, context(fleet, project, { registry: down, previouslyStopped: stopped })),
    ).rejects.toThrow();
    const names = await running(project);
    expect(names).toHaveLength(1);
    expect(names[0]).not.toContain(v2.deployId);
    const all = await managedContainers(docker as Docker, project, true);
    expect(all.some((c) => c.Names.some((n) => n.includes(v2.deployId)))).toBe(false);
    // The old container was just started again: give it a moment to serve.
    let served = await httpGet(url);
    for (let i = 0; i < 50 && served?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      served = await httpGet(url);
    }
    expect(served).toEqual({ status: 200, body: "web v1" });
  }, 120_000);

  it("leaves no container of its own that Docker would restart; the policy is set once accepted", async () => {
    const { fleet, project } = await setUp();
    const deployId = newDeployId();
    const policies: Record<string, string | undefined> = {};
    const policy = async () => {
      const [info] = await managedContainers(docker as Docker, project);
      const inspected = await (docker as Docker).getContainer(info?.Id as string).inspect();
      return inspected.HostConfig.RestartPolicy?.Name;
    };
    const result = await runDeploy(
      job(project, deployId, "v1"),
      context(fleet, project, {
        step: async (text) => {
          // Where the soak stopped dockerd: health passed, the swap not yet accepted.
          if (text === "retiring the previous container") policies.retiring = await policy();
        },
      }),
    );
    expect(result.containerName).toContain(deployId);
    expect(policies.retiring).toBe("no");
    expect(await policy()).toBe("unless-stopped");
  }, 120_000);
});
