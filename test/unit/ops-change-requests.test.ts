import { describe, expect, it } from "vitest";
import type { PromotePlan } from "../../commands/promote.js";
import type { ScalePlan } from "../../commands/scale.js";
import { promoteRequest } from "../../src/core/promote-service.js";
import { scaleRequest } from "../../src/core/scale-service.js";
import { previousOnHost } from "../../src/deploys/previous.js";
import type { DeployRecord, HostStatus } from "../../src/deploys/store.js";
import { deployRecord } from "../support/records.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const D3 = `sha256:${"3".repeat(64)}`;

const record = (id: string, tag: string, hosts: Record<string, HostStatus>): DeployRecord =>
  deployRecord(id, tag, hosts, "beta");
const ok = (digest: string, extra: Partial<HostStatus> = {}): HostStatus => ({
  state: "succeeded",
  digest,
  ...extra,
});

describe("rollback target", () => {
  it("is the newest earlier success on that host with another digest, with its config revision", () => {
    const history = [
      record("d4", "crash", { serverA: { state: "failed", error: "exit 3" } }),
      record("d3", "v2b", { serverA: ok(D2) }),
      record("d2", "v2", { serverA: ok(D2) }),
      record("d1", "v1", { serverA: ok(D1, { configRevision: 4 }), serverB: ok(D1) }),
    ];
    expect(previousOnHost(history, "serverA")).toEqual({
      current: { host: "serverA", tag: "v2b", digest: D2 },
      previous: { host: "serverA", tag: "v1", digest: D1, configRevision: 4 },
    });
    expect(previousOnHost(history, "serverB")).toEqual({
      current: { host: "serverB", tag: "v1", digest: D1 },
    });
    expect(previousOnHost([], "serverA")).toEqual({});
  });

  it("for a project with code, is the newest earlier success whose image or commit differs", () => {
    const A = "a".repeat(40);
    const B = "b".repeat(40);
    const history = [
      record("d3", "v1", { serverA: ok(D1, { commit: B }) }),
      record("d2", "v1", { serverA: ok(D1, { commit: B }) }),
      record("d1", "v1", { serverA: ok(D1, { commit: A }) }),
    ];
    expect(previousOnHost(history, "serverA")).toEqual({
      current: { host: "serverA", tag: "v1", digest: D1, commit: B },
      previous: { host: "serverA", tag: "v1", digest: D1, commit: A },
    });
  });
});

const promote: PromotePlan = {
  kind: "promote",
  project: "a1",
  fromEnv: "beta",
  fromHosts: ["serverA", "serverB"],
  env: "staging",
  image: "a1",
  hosts: ["serverC"],
  requestedBy: "U1",
  channel: "C",
  dryRun: false,
};
const c = (digest: string, version: string, name = "a1-beta-x") => ({ id: name, name, digest, version });

describe("promote request", () => {
  it("deploys the one digest the source runs to every target host", () => {
    expect(promoteRequest(promote, { serverA: [c(D1, "v1")], serverB: [] })).toEqual({
      project: "a1",
      env: "staging",
      image: "a1",
      tag: "v1",
      targets: [{ host: "serverC", tag: "v1", digest: D1 }],
      requestedBy: "U1",
      channel: "C",
      dryRun: false,
      via: "promote `111111111111` from beta",
    });
  });

  it("deploys the image and the code commit the source runs", () => {
    const A = "a".repeat(40);
    const req = promoteRequest(promote, { serverA: [{ ...c(D1, "v1"), commit: A }], serverB: [] });
    expect(typeof req !== "string" && req.targets).toEqual([
      { host: "serverC", tag: "v1", digest: D1, commit: A },
    ]);
    expect(typeof req !== "string" && req.via).toBe("promote `111111111111, code aaaaaaa` from beta");
    expect(
      promoteRequest(promote, {
        serverA: [{ ...c(D1, "v1"), commit: A }],
        serverB: [{ ...c(D1, "v1"), commit: "b".repeat(40) }],
      }),
    ).toBe(
      "Cannot promote: *a1* in *beta* runs different images — serverA runs `111111111111, code aaaaaaa` (v1); serverB runs `111111111111, code bbbbbbb` (v1). Deploy one version to *beta* first. Nothing was done.",
    );
  });

  it("refuses, naming which host runs which, when the source runs different digests", () => {
    expect(promoteRequest(promote, { serverA: [c(D1, "v1")], serverB: [c(D2, "v2")] })).toBe(
      "Cannot promote: *a1* in *beta* runs different images — serverA runs `111111111111` (v1); serverB runs `222222222222` (v2). Deploy one version to *beta* first. Nothing was done.",
    );
  });

  it("refuses when nothing runs or a host cannot be read", () => {
    expect(promoteRequest(promote, { serverA: [], serverB: [] })).toMatch(
      /nothing of \*a1\* in \*beta\* is running/,
    );
    expect(promoteRequest(promote, { serverA: { error: "no answer within 5s" }, serverB: [] })).toMatch(
      /cannot read what runs on \*serverA\* \(no answer within 5s\)/,
    );
  });
});

const scale: ScalePlan = {
  kind: "scale",
  project: "a1",
  env: "beta",
  image: "a1",
  replicas: 3,
  hosts: ["serverA", "serverB"],
  perHost: { serverA: 2, serverB: 1 },
  requestedBy: "U1",
  channel: "C",
  dryRun: true,
};

describe("scale request", () => {
  it("redeploys the running digest with a replica count per host", () => {
    const req = scaleRequest(scale, ["serverA", "serverB"], { serverA: [c(D3, "v3")], serverB: [] });
    expect(req).toMatchObject({
      tag: "v3",
      dryRun: true,
      targets: [
        { host: "serverA", tag: "v3", digest: D3, replicas: 2 },
        { host: "serverB", tag: "v3", digest: D3, replicas: 1 },
      ],
      via: "scale to 3 (serverA: 2, serverB: 1)",
    });
  });

  it("keeps the code commit the containers mount", () => {
    const A = "a".repeat(40);
    const req = scaleRequest(scale, ["serverA", "serverB"], { serverA: [{ ...c(D3, "v3"), commit: A }] });
    expect(typeof req !== "string" && req.targets).toEqual([
      { host: "serverA", tag: "v3", digest: D3, replicas: 2, commit: A },
      { host: "serverB", tag: "v3", digest: D3, replicas: 1, commit: A },
    ]);
  });

  it("refuses when nothing runs or several images run", () => {
    expect(scaleRequest(scale, ["serverA", "serverB"], { serverA: [], serverB: [] })).toMatch(
      /deploy it first/,
    );
    expect(
      scaleRequest(scale, ["serverA", "serverB"], { serverA: [c(D1, "v1")], serverB: [c(D2, "v2")] }),
    ).toMatch(/runs several images/);
  });
});
