import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_IN, describeBuiltIn, resolveFleet } from "../../src/fleet/default-fleet.js";
import { redisHelp } from "../../src/queue/check-redis.js";

const nowhere = join(tmpdir(), "no-such-dir", "fleet.yml");

describe("the built-in fleet", () => {
  it("has one host local on the local Docker socket and the example project", () => {
    const loaded = resolveFleet(undefined, {}, nowhere);
    expect(loaded.file).toBe(BUILT_IN);
    expect(loaded.unsetVariables).toEqual([]);
    expect(loaded.fleet.hosts).toEqual({ local: { docker: "unix:///var/run/docker.sock", timeout: 30_000 } });
    expect(loaded.fleet.environments.beta?.hosts).toEqual(["local"]);
    expect(loaded.fleet.projects.a1).toMatchObject({
      image: "library/nginx",
      tag: "alpine",
      ports: ["8080:80"],
    });
    expect(describeBuiltIn(loaded)).toContain("host local (unix:///var/run/docker.sock)");
  });

  it("follows DOCKER_HOST and the DOCKOPS_* overrides", () => {
    const { fleet } = resolveFleet(
      undefined,
      { DOCKER_HOST: "tcp://10.0.0.9:2375", DOCKOPS_IMAGE: "team/app", DOCKOPS_HOST_PORT: "9090" },
      nowhere,
    );
    expect(fleet.hosts.local?.docker).toBe("tcp://10.0.0.9:2375");
    expect(fleet.projects.a1).toMatchObject({ image: "team/app", ports: ["9090:80"] });
  });

  it("prefers FLEET_FILE, then ./fleet.yml", () => {
    const dir = mkdtempSync(join(tmpdir(), "dockops-fleet-"));
    const file = join(dir, "fleet.yml");
    writeFileSync(file, "registry: { url: r:5000 }\nhosts: {}\nenvironments: {}\nprojects: {}\n");
    expect(resolveFleet(undefined, {}, file).file).toBe(file);
    expect(resolveFleet(file, {}, nowhere).file).toBe(file);
    expect(() => resolveFleet(join(dir, "missing.yml"), {}, file)).toThrow(/cannot read the fleet file/);
  });
});

describe("no Redis", () => {
  it("says exactly what to run", () => {
    const text = redisHelp("redis://127.0.0.1:6379", "connect ECONNREFUSED 127.0.0.1:6379");
    expect(text).toContain("cannot reach Redis at redis://127.0.0.1:6379 (connect ECONNREFUSED");
    expect(text).toContain("docker run -d --name dockops-redis -p 6379:6379 redis:7");
    expect(text).toContain("sudo apt-get install -y redis-server && redis-server --daemonize yes");
  });
});
