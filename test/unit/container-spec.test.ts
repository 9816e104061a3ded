import { describe, expect, it } from "vitest";
import { fleetSchema } from "../../src/fleet/schema.js";
import { containerSpec, parseRestart } from "../../worker/deploy/container-spec.js";

const digest = `sha256:${"a".repeat(64)}`;

function specFor(project: object) {
  const fleet = fleetSchema.parse({
    registry: { url: "reg:5000" },
    hosts: { h: { docker: "unix:///s" } },
    environments: { beta: { hosts: ["h"] } },
    projects: { a1: { image: "a1", ...project } },
  });
  return fleet.projects.a1 as NonNullable<typeof fleet.projects.a1>;
}

describe("containerSpec", () => {
  it("builds the docker create request from the project", () => {
    const spec = specFor({
      ports: ["8080:80", "127.0.0.1:9090:90/udp"],
      health: { cmd: "wget -q -O /dev/null http://127.0.0.1/healthz", interval: "1s" },
      command: ["serve", "--port", "80"],
      volumes: ["/data:/data:ro"],
      network: "backend",
      restart: "on-failure:3",
      memory: "512m",
      cpus: 1.5,
      labels: { team: "core" },
    });
    expect(
      containerSpec({
        project: "a1",
        env: "beta",
        deployId: "abc123",
        tag: "v1",
        digest,
        reference: `reg:5000/a1@${digest}`,
        requestedBy: "U1",
        spec,
        environment: { LOG_LEVEL: "info", DB_HOST: "db1" },
      }),
    ).toEqual({
      name: "a1-beta-abc123",
      Image: `reg:5000/a1@${digest}`,
      Env: ["LOG_LEVEL=info", "DB_HOST=db1"],
      Cmd: ["serve", "--port", "80"],
      Labels: {
        team: "core",
        "dockops.managed": "true",
        "dockops.project": "a1",
        "dockops.env": "beta",
        "dockops.version": "v1",
        "dockops.digest": digest,
        "dockops.deploy": "abc123",
        "dockops.requested-by": "U1",
      },
      ExposedPorts: { "80/tcp": {}, "90/udp": {} },
      Healthcheck: {
        Test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1/healthz"],
        Interval: 1_000_000_000,
        Timeout: 1_000_000_000,
        Retries: 3,
        StartPeriod: 0,
      },
      StopTimeout: 10,
      HostConfig: {
        PortBindings: {
          "80/tcp": [{ HostPort: "8080" }],
          "90/udp": [{ HostPort: "9090", HostIp: "127.0.0.1" }],
        },
        RestartPolicy: { Name: "no" },
        Binds: ["/data:/data:ro"],
        NetworkMode: "backend",
        Memory: 512 * 1024 * 1024,
        NanoCpus: 1_500_000_000,
      },
    });
  });

  it("runs a string command through sh and leaves the image's health check alone when none is set", () => {
    const out = containerSpec({
      project: "a1",
      env: "beta",
      deployId: "x1y2z3",
      tag: "latest",
      digest,
      reference: "r",
      requestedBy: "U1",
      spec: specFor({ command: "php artisan serve" }),
      environment: {},
    });
    expect(out.Cmd).toEqual(["sh", "-c", "php artisan serve"]);
    expect(out.Healthcheck).toBeUndefined();
    // The project's policy is set only once the deploy accepts the container.
    expect(out.HostConfig?.RestartPolicy).toEqual({ Name: "no" });
  });

  it("mounts a project's code volume read-only and labels the container with the commit", () => {
    const commit = "4f2a9c0e".padEnd(40, "0");
    const out = containerSpec({
      project: "a1",
      env: "beta",
      deployId: "x1y2z3",
      tag: "8.2",
      digest,
      reference: "r",
      requestedBy: "U1",
      spec: specFor({ volumes: ["/data:/data"], code: { repo: "/srv/git/a1.git" } }),
      environment: {},
      code: { volume: `dockops-code-a1-beta-${commit}`, mount: "/var/www/html", commit },
    });
    expect(out.HostConfig?.Binds).toEqual(["/data:/data", `dockops-code-a1-beta-${commit}:/var/www/html:ro`]);
    expect(out.Labels?.["dockops.code-commit"]).toBe(commit);
  });
});

describe("parseRestart (the policy set once a deploy is accepted)", () => {
  it("reads a name and an optional retry count", () => {
    expect(parseRestart("on-failure:3")).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
    expect(parseRestart("unless-stopped")).toEqual({ Name: "unless-stopped" });
  });
});
