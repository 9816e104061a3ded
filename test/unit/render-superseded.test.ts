import { describe, expect, it } from "vitest";
import { deployOutcome } from "../../src/core/history-service.js";
import { renderDeploy } from "../../src/core/render-deploy.js";
import type { DeployRecord, HostStatus } from "../../src/deploys/store.js";

const meta = {
  id: "d1",
  project: "a1",
  env: "beta",
  tag: "v1",
  hosts: ["serverA", "serverB"],
  requestedBy: "U1",
  channel: "C1",
  createdAt: 0,
};
const superseded: HostStatus = {
  state: "superseded",
  supersededBy: { deployId: "d9", tag: "v2" },
  startedAt: 0,
  finishedAt: 10,
};
const succeeded: HostStatus = {
  state: "succeeded",
  containerName: "a1-beta-d1",
  startedAt: 0,
  finishedAt: 1000,
};
const failed: HostStatus = { state: "failed", error: "boom", startedAt: 0, finishedAt: 1000 };
const record = (a: HostStatus, b: HostStatus): DeployRecord => ({ meta, hosts: { serverA: a, serverB: b } });

describe("a deploy superseded by a newer request", () => {
  it("is finished, names the newer deploy, and is not called a failure", () => {
    const all = renderDeploy(record(superseded, superseded));
    expect(all.text.split("\n")).toEqual([
      ":fast_forward: Deploy of *a1:v1* to *beta* on serverA, serverB was superseded by a newer deploy before it began; nothing was changed. Requested by <@U1>",
      ":fast_forward: *serverA*: superseded by deploy `d9` (v2), a newer request; nothing was changed here",
      ":fast_forward: *serverB*: superseded by deploy `d9` (v2), a newer request; nothing was changed here",
    ]);
    expect(all.progress).toBe("succeeded");
    expect(deployOutcome(record(superseded, superseded))).toBe(":fast_forward: superseded by a newer deploy");
  });

  it("next to a host that succeeded or failed, the headline follows that host", () => {
    expect(renderDeploy(record(superseded, succeeded)).text).toMatch(
      /^:white_check_mark: Deployed \*a1:v1\*/,
    );
    expect(renderDeploy(record(superseded, failed)).text).toMatch(
      /^:x: Deploy of \*a1:v1\* .* failed; the previous version keeps serving/,
    );
    expect(deployOutcome(record(superseded, succeeded))).toBe(":white_check_mark: succeeded");
  });
});
