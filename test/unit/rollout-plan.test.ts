import { describe, expect, it } from "vitest";
import { renderDeploy } from "../../src/core/render-deploy.js";
import { planRollout, rolloutBatches } from "../../src/deploys/rollout.js";
import type { DeployRecord } from "../../src/deploys/store.js";
import { fleetSchema } from "../../src/fleet/schema.js";

const hosts = ["a", "b", "c", "d", "e"];

describe("rollout batches", () => {
  it("cuts the hosts in order by count or by share, rounding a share up", () => {
    expect(rolloutBatches(hosts, 2)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(rolloutBatches(hosts, "25%")).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(rolloutBatches(hosts, "1%")).toEqual([["a"], ["b"], ["c"], ["d"], ["e"]]);
    expect(rolloutBatches(hosts, "100%")).toEqual([hosts]);
    expect(rolloutBatches(hosts, 9)).toEqual([hosts]);
  });

  it("is no rollout when everything fits in one batch or the environment has none", () => {
    expect(planRollout(["a"], { batch: 1, pause: 0, onFailure: "stop" })).toBeUndefined();
    expect(planRollout(hosts, undefined)).toBeUndefined();
    expect(planRollout(["a", "b"], { batch: 1, pause: 10_000, onFailure: "rollback" })).toEqual({
      batches: [["a"], ["b"]],
      pauseMs: 10_000,
      onFailure: "rollback",
    });
  });

  it("the fleet file takes rollout per environment and says what is wrong with a bad one", () => {
    const fleet = (rollout: unknown) => ({
      registry: { url: "registry.example.com" },
      hosts: { a: { docker: "tcp://10.0.0.1:2375" } },
      environments: { prod: { hosts: ["a"], rollout } },
      projects: {},
    });
    const parsed = fleetSchema.parse(fleet({ batch: "25%", pause: "10s" }));
    expect(parsed.environments.prod?.rollout).toEqual({ batch: "25%", pause: 10_000, onFailure: "stop" });
    const bad = fleetSchema.safeParse(fleet({ batch: "0%" }));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toContain("environments.prod.rollout.batch");
    expect(fleetSchema.safeParse(fleet({ batch: 1, onFailure: "pray" })).success).toBe(false);
  });
});

describe("a rollout's message", () => {
  const record = (hostsState: DeployRecord["hosts"]): DeployRecord => ({
    meta: {
      id: "abc123",
      project: "a1",
      env: "prod",
      tag: "v2",
      hosts: ["a", "b", "c"],
      requestedBy: "U1",
      channel: "C1",
      createdAt: 0,
      rollout: { batches: [["a"], ["b"], ["c"]], pauseMs: 0, onFailure: "rollback" },
    },
    hosts: hostsState,
  });

  it("shows which batch runs and which hosts wait", () => {
    const text = renderDeploy(
      record({
        a: { state: "succeeded", containerName: "a1-prod-x", digest: `sha256:${"1".repeat(64)}` },
        b: { state: "running", step: "pulling image" },
        c: { state: "queued", waitsFor: 2 },
      }),
    ).text;
    expect(text).toContain("to *prod* on a, b, c in 3 batches (batch 2 of 3 running)");
    expect(text).toContain("*c*: waits for batch 2");
  });

  it("ends with the rollback a failed batch started", () => {
    const failed = record({
      a: { state: "succeeded", containerName: "a1-prod-x" },
      b: { state: "failed", error: "container exited with code 137" },
      c: { state: "failed", error: "not started: batch 2 failed on b" },
    });
    const rollback: DeployRecord = {
      meta: {
        ...failed.meta,
        id: "def456",
        tag: "v1",
        hosts: ["a"],
        rollout: undefined,
        rollbackOf: "abc123",
      },
      hosts: { a: { state: "succeeded", containerName: "a1-prod-y" } },
    };
    const message = renderDeploy(failed, rollback);
    expect(message.progress).toBe("failed");
    expect(message.text).toMatch(
      /^:rewind: Rollout of \*a1:v2\* to \*prod\* on a, b, c failed at batch 2 of 3; the hosts that/,
    );
    expect(message.text).toContain(
      ":rewind: Rolling back to *v1*:\n:white_check_mark: *a*: running `a1-prod-y`",
    );
    expect(message.text).toContain("*c*: failed — not started: batch 2 failed on b");
  });
});
