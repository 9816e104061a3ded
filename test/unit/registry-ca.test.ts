import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { parseFleet } from "../../src/fleet/load.js";
import { RegistryClient } from "../../src/registry/client.js";
import { mayCarryCredentials } from "../../src/registry/credentials-policy.js";

const fleetText = (registry: string) =>
  `registry: ${registry}\nhosts: { a: { docker: "unix:///var/run/docker.sock" } }\nenvironments: { beta: { hosts: [a] } }\nprojects: {}\n`;

describe("which requests may carry the registry credentials", () => {
  it.each([
    ["https://auth.example.com/token", "registry.example.com", true],
    ["http://registry.example.com:5001/token", "registry.example.com:5000", true],
    ["http://10.0.0.9/token", "10.0.0.5:5000", false],
    ["http://auth.example.com/token", "registry.example.com", false],
  ])("%s for registry %s: %s", (target, registry, expected) => {
    expect(mayCarryCredentials(new URL(target), registry)).toBe(expected);
  });
});

describe("registry.ca in the fleet file", () => {
  it("is resolved relative to the fleet file", () => {
    const { fleet } = parseFleet(
      fleetText("{ url: r.example.com, ca: certs/ca.pem }"),
      "/etc/dockops/fleet.yml",
      {},
    );
    expect(fleet.registry.ca).toBe("/etc/dockops/certs/ca.pem");
  });

  it("is refused together with insecure: true", () => {
    expect(() =>
      parseFleet(fleetText("{ url: r.example.com, ca: ca.pem, insecure: true }"), "f.yml", {}),
    ).toThrow(/registry\.ca: a CA is for HTTPS; remove insecure: true/);
  });

  it("must be a readable file", () => {
    const dir = mkdtempSync(join(tmpdir(), "dockops-ca-"));
    writeFileSync(join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    expect(() => new RegistryClient({ url: "r", insecure: false, ca: join(dir, "ca.pem") })).not.toThrow();
    const missing = () => new RegistryClient({ url: "r", insecure: false, ca: join(dir, "nope.pem") });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow(/cannot read registry\.ca .*nope\.pem/);
  });
});
