import { describe, expect, it } from "vitest";
import { fleetSchema } from "../../src/fleet/schema.js";
import { containerName, containerSpec } from "../../worker/deploy/container-spec.js";

const digest = `sha256:${"b".repeat(64)}`;
const fleet = fleetSchema.parse({
  registry: { url: "reg:5000" },
  hosts: { h: { docker: "unix:///s" } },
  environments: { beta: { hosts: ["h"] } },
  projects: { w: { image: "w", exec: { allow: ["php artisan migrate"] } } },
});
const input = {
  project: "w",
  env: "beta",
  deployId: "abc123",
  tag: "v1",
  digest,
  reference: `reg:5000/w@${digest}`,
  requestedBy: "U1",
  spec: fleet.projects.w as NonNullable<typeof fleet.projects.w>,
  environment: {},
};

describe("replica containers", () => {
  it("replica 1 keeps the plain name; the others get -rN, and every one carries its number", () => {
    expect([1, 2, 3].map((r) => containerName("w", "beta", "abc123", r))).toEqual([
      "w-beta-abc123",
      "w-beta-abc123-r2",
      "w-beta-abc123-r3",
    ]);
    const second = containerSpec({ ...input, replica: 2 });
    expect(second.name).toBe("w-beta-abc123-r2");
    expect(second.Labels).toEqual({
      "dockops.managed": "true",
      "dockops.project": "w",
      "dockops.env": "beta",
      "dockops.version": "v1",
      "dockops.digest": digest,
      "dockops.deploy": "abc123",
      "dockops.requested-by": "U1",
      "dockops.replica": "2",
    });
  });

  it("exec.allow defaults to nothing allowed", () => {
    const bare = fleetSchema.parse({ ...fleet, projects: { w: { image: "w" } } });
    expect(bare.projects.w?.exec).toEqual({ allow: [] });
    expect(fleet.projects.w?.exec).toEqual({ allow: ["php artisan migrate"] });
  });
});
