import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { probeHost } from "../../src/check/probes.js";
import { connectionKind } from "../../src/fleet/connection.js";
import { checkFleet } from "../../src/fleet/load.js";
import type { HostSpec } from "../../src/fleet/schema.js";
import { FIVE_MISTAKE_PATHS, FIVE_MISTAKES } from "../support/fleet-files.js";

const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");

describe("checking a fleet file offline", () => {
  it("passes the example", () => {
    const checked = checkFleet(example, "fleet.yml", {});
    expect(checked.ok).toBe(true);
    expect(checked.unsetVariables).toEqual(["REGISTRY_USERNAME", "REGISTRY_PASSWORD"]);
  });

  it("lists every mistake with its path, cross-references included", () => {
    const checked = checkFleet(FIVE_MISTAKES, "fleet.yml", {});
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toEqual([
      { path: "registry.url", message: "write the registry as host[:port], without a scheme" },
      { path: "hosts.serverB.docker", message: "write unix:///path/to/docker.sock or tcp://ADDRESS:PORT" },
      {
        path: "projects.a1.ports.0",
        message: 'write "HOSTPORT:CONTAINERPORT", e.g. "8080:80", optionally "IP:8080:80" or "8080:80/udp"',
      },
      { path: "projects.a1.restart", message: "use no, always, unless-stopped or on-failure[:N]" },
      {
        path: "environments.prod.hosts.1",
        message: 'unknown host "serverX"; the hosts section defines serverA, serverB',
      },
    ]);
    expect(checked.problems.map((p) => p.path).sort()).toEqual([...FIVE_MISTAKE_PATHS].sort());
  });

  it("reports broken YAML as one problem", () => {
    const checked = checkFleet("registry: [", "fleet.yml", {});
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.problems.map((p) => p.path)).toEqual(["(yaml)"]);
  });

  it("does not trip over sections of the wrong type", () => {
    const checked = checkFleet(
      "registry: 1\nhosts: []\nenvironments: {e: {hosts: 3}}\nprojects: {}\n",
      "f.yml",
      {},
    );
    expect(checked.ok ? [] : checked.problems.map((p) => p.path)).toEqual([
      "registry",
      "hosts",
      "environments.e.hosts",
    ]);
  });
});

describe("a host's row in check --connect", () => {
  const spec = (docker: string, tls?: HostSpec["tls"]): HostSpec => ({
    docker,
    timeout: 1000,
    ...(tls ? { tls } : {}),
  });

  it("says how the bot talks to it", () => {
    expect(connectionKind(spec("unix:///var/run/docker.sock"))).toBe("unix socket");
    expect(connectionKind(spec("tcp://10.0.0.1:2376", { ca: "a", cert: "b", key: "c" }))).toBe("TLS");
    expect(connectionKind(spec("tcp://10.0.0.1:2375"))).toBe("plain TCP");
    expect(connectionKind({ agent: true, timeout: 1000 })).toBe("agent");
  });

  it("warns about plain TCP to another machine, not to this one", async () => {
    const version = async () => ({ Version: "27.1.0" });
    expect(await probeHost("b", spec("tcp://10.0.0.1:2375"), version)).toMatchObject({
      status: "warn",
      detail: "Docker 27.1.0, plain TCP (tcp://10.0.0.1:2375)",
    });
    expect(await probeHost("l", spec("tcp://127.0.0.1:2375"), version)).toMatchObject({ status: "ok" });
  });

  it("turns a fault into a row that says what to check", async () => {
    const row = await probeHost("down", spec("tcp://10.0.0.9:2376"), async () => {
      throw new Error("connect EHOSTUNREACH 10.0.0.9:2376");
    });
    expect(row).toEqual({
      what: "host down",
      status: "FAIL",
      detail: "tcp://10.0.0.9:2376 unreachable (connect EHOSTUNREACH 10.0.0.9:2376)",
      fix: "check that dockerd runs there and listens at tcp://10.0.0.9:2376, and the port is open to this machine",
    });
  });
});
