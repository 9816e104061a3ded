import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { parseFleet } from "../../src/fleet/load.js";

const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");

function errorOf(text: string): string {
  try {
    parseFleet(text, "fleet.yml", {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the fleet file to be rejected");
}

describe("fleet file", () => {
  it("loads the example file exactly as written", () => {
    const { fleet, unsetVariables } = parseFleet(example, "/etc/dockops/fleet.yml", {
      REGISTRY_USERNAME: "deployer",
      REGISTRY_PASSWORD: "s3cret",
    });
    expect(unsetVariables).toEqual([]);
    expect(fleet.registry).toEqual({
      url: "registry.example.com:5000",
      username: "deployer",
      password: "s3cret",
      insecure: false,
    });
    expect(fleet.hosts.serverB).toEqual({
      docker: "tcp://10.0.0.12:2376",
      tls: {
        ca: "/etc/dockops/certs/ca.pem",
        cert: "/etc/dockops/certs/cert.pem",
        key: "/etc/dockops/certs/key.pem",
      },
      timeout: 30_000,
    });
    expect(fleet.environments.prod).toEqual({
      channel: "C0PROD",
      hosts: ["serverB", "serverC"],
      approval: { approvers: ["U0LEAD", "U0OPS"], allowSelfApproval: false, expires: 1_800_000 },
      rollout: { batch: 1, pause: 10_000, onFailure: "rollback" },
    });
    expect(fleet.projects.a1).toMatchObject({
      image: "a1",
      tag: "latest",
      ports: ["8080:80"],
      health: {
        cmd: "wget -q -O /dev/null http://127.0.0.1/healthz",
        timeout: 60_000,
        interval: 2_000,
        retries: 3,
      },
      env: { LOG_LEVEL: "info" },
      restart: "unless-stopped",
      verify: 5_000,
      keep: 2,
    });
  });

  it("loads the example with the registry variables unset, as anonymous, and reports them", () => {
    const { fleet, unsetVariables } = parseFleet(example, "fleet.yml", {});
    expect(fleet.registry.username).toBeUndefined();
    expect(unsetVariables).toEqual(["REGISTRY_USERNAME", "REGISTRY_PASSWORD"]);
  });

  it("the fleet file page shows the example file verbatim", () => {
    const page = readFileSync(new URL("../../docs/fleet-file.md", import.meta.url), "utf8");
    expect(page).toContain(example.trim());
  });

  it.each([
    [
      "an environment naming an unknown host",
      example.replace("hosts: [serverB, serverC]", "hosts: [serverB, serverX]"),
      'environments.prod.hosts.1: unknown host "serverX"; the hosts section defines serverA, serverB, serverC',
    ],
    [
      "a bad duration",
      example.replace("timeout: 60s", "timeout: soon"),
      'projects.a1.health.timeout: "soon" is not a duration',
    ],
    ["a bad port", example.replace('"8080:80"', '"eighty"'), "projects.a1.ports.0: write"],
    [
      "an unknown field",
      example.replace("tag: latest", "tag: latest\n    replicas: 3"),
      "projects.a1: Unrecognized key",
    ],
    [
      "a docker URL with a scheme typo",
      example.replace("unix:///var", "unix://var"),
      "hosts.serverA.docker: write unix:///path",
    ],
    ["a bad env key", example.replace("LOG_LEVEL: info", "LOG-LEVEL: info"), "projects.a1.env.LOG-LEVEL"],
    ["a missing section", "registry: { url: r:5000 }\nhosts: {}\nenvironments: {}\n", "projects: "],
    ["broken YAML", "hosts: [", "fleet.yml is not valid YAML"],
  ])("rejects %s, naming the file and the path", (_name, text, expected) => {
    const message = errorOf(text);
    expect(message).toContain(expected);
    expect(message.startsWith("fleet.yml")).toBe(true);
  });
});
