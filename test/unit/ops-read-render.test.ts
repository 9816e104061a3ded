import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import type { LogsPlan } from "../../commands/logs.js";
import { mapLimit } from "../../src/concurrency.js";
import { renderHistory } from "../../src/core/history-service.js";
import { renderImages } from "../../src/core/images-service.js";
import { renderLogs } from "../../src/core/logs-service.js";
import { renderHosts, renderStatus } from "../../src/core/status-service.js";
import { codeTable, formatAge } from "../../src/core/table.js";
import { withDeadline } from "../../src/docker/deadline.js";
import type { ContainerView, HostSnapshot } from "../../src/docker/snapshot.js";
import { HostUnreachableError } from "../../src/errors.js";
import { parseFleet } from "../../src/fleet/load.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;
const NOW = Date.parse("2026-11-25T17:00:00Z");

const container = (over: Partial<ContainerView>): ContainerView => ({
  id: "c1",
  name: "a1-beta-x",
  project: "a1",
  env: "beta",
  version: "v2",
  digest: D2,
  state: "running",
  health: "healthy",
  startedAt: NOW - 3_720_000,
  created: NOW - 3_800_000,
  ...over,
});

describe("codeTable", () => {
  it("aligns columns in a code block and keeps backticks out", () => {
    expect(
      codeTable(
        ["A", "LONGER"],
        [
          ["xyz", "1"],
          ["`q`", "22"],
        ],
      ),
    ).toBe(["```", "A    LONGER", "xyz  1", "'q'  22", "```"].join("\n"));
  });

  it("formats ages", () => {
    expect([5_000, 125_000, 3_720_000, 2 * 86_400_000 + 4 * 3_600_000].map(formatAge)).toEqual([
      "5s",
      "2m",
      "1h02m",
      "2d04h",
    ]);
  });
});

describe("renderStatus", () => {
  it("shows the running container per host × project × env, and unreachable hosts as such", () => {
    const snapshots: HostSnapshot[] = [
      {
        host: "serverA",
        reachable: true,
        dockerVersion: "20.10.24",
        running: 1,
        total: 3,
        managed: [
          container({}),
          container({ id: "old", version: "v1", digest: D1, state: "exited", created: NOW - 9e6 }),
          container({
            id: "b2",
            project: "b2",
            version: "v7",
            state: "exited",
            health: undefined,
            configRevision: "4",
          }),
        ],
      },
      { host: "serverB", reachable: true, dockerVersion: "20.10.24", running: 0, total: 0, managed: [] },
      { host: "serverC", reachable: false, reason: "ECONNREFUSED" },
    ];
    const text = renderStatus(
      { kind: "status", hosts: ["serverA", "serverB", "serverC"], requestedBy: "U1", channel: "C1" },
      snapshots,
      NOW,
    );
    expect(text).toBe(
      [
        "*Status*, read live from serverA, serverB, serverC",
        "```",
        "HOST     PROJECT  ENV   VERSION            STATE        HEALTH   UPTIME  CONFIG",
        "serverA  a1       beta  v2 (bbbbbbbbbbbb)  running      healthy  1h02m   —",
        "serverA  b2       beta  v7 (bbbbbbbbbbbb)  exited       —        —       r4",
        "serverC  —        —     —                  unreachable  —        —       —",
        "```",
        "Nothing managed on serverB.",
        ":warning: Unreachable: serverC: ECONNREFUSED",
      ].join("\n"),
    );
  });
});

describe("renderHosts", () => {
  it("flags plain TCP as insecure and lists managed projects", () => {
    const text = renderHosts(fleet, [
      {
        host: "serverA",
        reachable: true,
        dockerVersion: "20.10.24",
        running: 2,
        total: 5,
        managed: [container({})],
      },
      { host: "serverB", reachable: true, dockerVersion: "24.0.7", running: 0, total: 0, managed: [] },
      { host: "serverC", reachable: false, reason: "no answer within 5s" },
    ]);
    expect(text).toMatch(/serverA +yes +20\.10\.24 +2\/5 +unix socket +1\n/);
    expect(text).toContain("\n• *serverA*: a1\n");
    expect(text).toMatch(/serverB +yes +24\.0\.7 +0\/0 +TLS +0\n/);
    expect(text).toMatch(/serverC +no \(no answer within 5s\) +— +— +plain TCP \(INSECURE\) +—/);
    expect(text).toContain(":warning: serverC: Docker API over plain TCP without TLS");
  });
});

describe("renderHosts with projects behind the proxy", () => {
  it("shows each reachable host's proxy, a stopped one flagged, and where none runs yet", () => {
    const up = {
      host: "serverA",
      reachable: true as const,
      dockerVersion: "27.5.1",
      running: 1,
      total: 1,
      managed: [],
    };
    const text = renderHosts(fleet, [
      { ...up, proxy: { state: "running", image: "caddy:2" } },
      { ...up, host: "serverB", proxy: { state: "exited", image: "caddy:2" } },
      { ...up, host: "serverC" },
    ]);
    expect(text.split("\n").filter((l) => l.includes("proxy on"))).toEqual([
      "• proxy on *serverA*: running (`caddy:2`)",
      "• :warning: proxy on *serverB*: exited (`caddy:2`)",
      "• proxy on *serverC*: none yet (the first deploy of a project behind it starts one)",
    ]);
    // A fleet with no project behind the proxy says nothing about proxies.
    const { site: _, ...plain } = fleet.projects;
    expect(
      renderHosts({ ...fleet, projects: plain }, [{ ...up, proxy: { state: "running", image: "caddy:2" } }]),
    ).not.toContain("proxy");
  });
});

describe("renderLogs", () => {
  const planned = planCommand("logs", "a1 beta", { fleet, user: "U1", channel: "C1" });
  const plan = (planned.ok ? planned.plan : undefined) as LogsPlan;

  it("masks secret values and keeps short output inline", () => {
    const out = renderLogs(
      plan,
      [
        {
          host: "serverA",
          ok: true,
          container: { name: "a1-beta-1", state: "running" },
          lines: ["web v1 starting", "db password=hunter2-secret ok", "```"],
        },
        { host: "serverB", ok: false, reason: "unreachable (ECONNREFUSED)" },
      ],
      ["hunter2-secret"],
    );
    expect(out.inline).toBe(true);
    expect(out.text).toBe(
      [
        "*Logs of a1 in beta*",
        "*serverA · a1-beta-1 (running) · 3 lines*",
        "```",
        "web v1 starting",
        "db password=••••et ok",
        "'''",
        "```",
        "*serverB: unreachable (ECONNREFUSED)*",
      ].join("\n"),
    );
    expect(out.file).not.toContain("hunter2");
  });

  it("sends long output as a file", () => {
    const lines = Array.from({ length: 41 }, (_, i) => `line ${i}`);
    const out = renderLogs(
      plan,
      [{ host: "serverA", ok: true, container: { name: "c", state: "running" }, lines }],
      [],
    );
    expect(out.inline).toBe(false);
    expect(out.file.startsWith("== serverA · c (running) · 41 lines\nline 0\n")).toBe(true);
  });
});

describe("renderImages", () => {
  it("orders tags newest first and marks where each digest runs", () => {
    const text = renderImages(
      {
        kind: "images",
        project: "a1",
        image: "team/a1",
        hosts: ["serverA"],
        requestedBy: "U1",
        channel: "C1",
      },
      [
        { tag: "v1", digest: D1, created: NOW - 86_400_000 },
        { tag: "latest", digest: D1, created: NOW - 86_400_000 },
        { tag: "v2", digest: D2, created: NOW },
        { tag: "broken", error: "registry answered 500" },
      ],
      [
        {
          host: "serverA",
          reachable: true,
          dockerVersion: "x",
          running: 1,
          total: 1,
          managed: [container({})],
        },
        { host: "serverB", reachable: false, reason: "ECONNREFUSED" },
      ],
      4,
    );
    expect(text.split("\n")).toEqual([
      "*Images of a1* (`team/a1`), newest first; `*` = running somewhere:",
      "```",
      "  TAG     BUILT                    DIGEST        RUNNING IN",
      "* v2      2026-11-25 17:00:00 UTC  bbbbbbbbbbbb  beta@serverA",
      "  latest  2026-11-24 17:00:00 UTC  aaaaaaaaaaaa  —",
      "  v1      2026-11-24 17:00:00 UTC  aaaaaaaaaaaa  —",
      "  broken  ?                        ?             (registry answered 500)",
      "```",
      ":warning: Could not read serverB; what runs there is not shown.",
    ]);
  });
});

describe("renderHistory", () => {
  it("says who deployed what, where, with which result and how long it took", () => {
    const text = renderHistory(
      { kind: "history", project: "a1", env: "beta", count: 10, requestedBy: "U1", channel: "C1" },
      [
        {
          meta: {
            id: "abc",
            project: "a1",
            env: "beta",
            tag: "v2",
            hosts: ["serverA", "serverB"],
            requestedBy: "UDEV",
            channel: "C1",
            createdAt: NOW,
          },
          hosts: {
            serverA: { state: "succeeded", digest: D2, startedAt: NOW + 100, finishedAt: NOW + 5_000 },
            serverB: { state: "failed", error: "boom", startedAt: NOW + 100, finishedAt: NOW + 7_500 },
          },
        },
      ],
    );
    expect(text).toBe(
      [
        "*Last deploy of a1 to beta*:",
        "• 2026-11-25 17:00 UTC — <@UDEV> deployed *v2* (`bbbbbbbbbbbb`) to serverA, serverB — :warning: failed on 1 of 2 hosts in 7.5s · `abc`",
      ].join("\n"),
    );
  });
});

describe("withDeadline and mapLimit", () => {
  it("gives up on a host that never answers, naming it", async () => {
    const started = Date.now();
    const never = new Promise<never>(() => {});
    const err = await withDeadline("serverZ", 100, () => never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect((err as HostUnreachableError).detail).toBe("no answer within 0.1s");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("keeps at most `limit` calls in flight and the input order", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, n * 5));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
