import { describe, expect, it } from "vitest";
import type { PinnedRun } from "../../commands/pinned.js";
import type { PromotePlan } from "../../commands/promote.js";
import type { RollbackPlan } from "../../commands/rollback.js";
import type { ScalePlan } from "../../commands/scale.js";
import { currentByHistory, describeChange } from "../../src/approvals/change-approval.js";
import type { DeployRecord, HostStatus } from "../../src/deploys/store.js";
import { deployRecord } from "../support/records.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

const record = (id: string, tag: string, hosts: Record<string, HostStatus>): DeployRecord =>
  deployRecord(id, tag, hosts, "prod");

const base = { project: "a1", env: "prod", image: "a1", requestedBy: "U1", channel: "C", dryRun: false };

describe("what runs by the deploy history", () => {
  it("is the newest succeeded deploy per host, with its replicas; failed and queued ones do not count", () => {
    const history = [
      record("d3", "v3", { serverB: { state: "failed", error: "exit 3" }, serverC: { state: "queued" } }),
      record("d2", "v2", { serverB: { state: "succeeded", digest: D2, replicas: 2 } }),
      record("d1", "v1", {
        serverB: { state: "succeeded", digest: D1 },
        serverC: { state: "succeeded", digest: D1 },
      }),
    ];
    expect(currentByHistory(history, ["serverB", "serverC", "serverA"])).toEqual({
      serverB: { digest: D2, tag: "v2", replicas: 2 },
      serverC: { digest: D1, tag: "v1" },
    });
  });
});

describe("what a change approval request shows", () => {
  it("a rollback: per host current → previous digest and the config revision it ran with", () => {
    const plan: RollbackPlan = { ...base, kind: "rollback", hosts: ["serverB", "serverC"] };
    const pinned: PinnedRun = {
      tag: "v1",
      via: "rollback to v1 (111111111111)",
      targets: [
        { host: "serverB", tag: "v1", digest: D1, configRevision: 3 },
        { host: "serverC", tag: "v1", digest: D1, configRevision: 0 },
      ],
      current: { serverB: { digest: D2, tag: "v2" } },
      configHead: 4,
    };
    expect(describeChange(plan, pinned)).toEqual({
      title: "roll back *a1* in *prod* on serverB, serverC",
      lines: [
        "• *serverB*: `222222222222` (v2) → `111111111111` (v1), config revision 3",
        "• *serverC*: nothing deployed by dockops → `111111111111` (v1), no stored config",
      ],
    });
  });

  it("a promotion names the source environment and says the digest is fixed", () => {
    const plan: PromotePlan = {
      ...base,
      kind: "promote",
      fromEnv: "beta",
      fromHosts: ["serverA"],
      hosts: ["serverB"],
    };
    const pinned: PinnedRun = {
      tag: "v2",
      via: "promote",
      targets: [{ host: "serverB", tag: "v2", digest: D2, configRevision: 4 }],
      current: { serverB: { digest: D1, tag: "v1" } },
      configHead: 4,
    };
    expect(describeChange(plan, pinned)).toEqual({
      title: "promote *a1* from *beta* to *prod* on serverB",
      lines: [
        "• *serverB*: `111111111111` (v1) → `222222222222` (v2), config revision 4",
        "• the digest `222222222222` is what *beta* ran when this was asked; Approve deploys exactly it, even if *beta* moves on",
      ],
    });
  });

  it("a scale shows replicas per host, and a host given none as retired", () => {
    const plan: ScalePlan = {
      ...base,
      kind: "scale",
      replicas: 3,
      hosts: ["serverB", "serverC"],
      perHost: { serverB: 3, serverC: 0 },
    };
    const pinned: PinnedRun = {
      tag: "v1",
      via: "scale to 3 (serverB: 3, serverC: 0)",
      targets: [
        { host: "serverB", tag: "v1", digest: D1, replicas: 3, configRevision: 0 },
        { host: "serverC", tag: "v1", digest: D1, replicas: 0, configRevision: 0 },
      ],
      current: { serverB: { digest: D1, tag: "v1" }, serverC: { digest: D1, tag: "v1", replicas: 2 } },
      configHead: 0,
    };
    expect(describeChange(plan, pinned).lines).toEqual([
      "• *serverB*: `111111111111` (v1) ×1 → `111111111111` (v1) ×3, no stored config",
      "• *serverC*: `111111111111` (v1) ×2 → nothing (retired), no stored config",
    ]);
  });
});
