import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkFleet, parseFleet } from "../../src/fleet/load.js";
import { bearerMatches } from "../../src/http/registry-events.js";
import { renderChanges } from "../../src/pushes/changes.js";
import { pushNotices } from "../../src/pushes/push-notices.js";
import { renderPush } from "../../src/pushes/render-push.js";
import { pushEvents } from "../../src/registry/events.js";

const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");
// The example's projects section is last, so projects appended here land in it.
const withProjects = (yaml: string) => `${example}${yaml.replace(/^/gm, "  ")}\n`;
const { fleet } = parseFleet(
  withProjects(
    [
      "w1:",
      "  image: team/web",
      "  autoDeploy: { env: beta, tags: '^v\\d+' }",
      "w2:",
      "  image: team/web",
      "w3:",
      "  image: team/w3",
      "  autoDeploy: { env: qa, tags: '^rc-' }",
    ].join("\n"),
  ).replace("environments:\n", "environments:\n  qa:\n    channel: C0QA\n    hosts: [serverC]\n"),
  "fleet.yml",
  {},
);

const D1 = `sha256:${"a".repeat(64)}`;
const D2 = `sha256:${"b".repeat(64)}`;
const D3 = `sha256:${"c".repeat(64)}`;

/** An event as docker-registry 2.8 posts it (taken from a real push, trimmed). */
function event(over: {
  action?: string;
  mediaType?: string;
  tag?: string;
  repository?: string;
  digest?: string;
}) {
  return {
    id: "4c61c855-a293-4338-bf58-6f7d21e695de",
    timestamp: "2026-11-30T04:11:06.458029047Z",
    action: over.action ?? "push",
    target: {
      mediaType: over.mediaType ?? "application/vnd.docker.distribution.manifest.v2+json",
      size: 735,
      digest: over.digest ?? D1,
      length: 735,
      repository: over.repository ?? "team/web",
      url: "https://10.250.0.1:5077/v2/team/web/manifests/sha256:…",
      ...(over.tag === "" ? {} : { tag: over.tag ?? "v1.3" }),
    },
    request: {
      id: "3f41",
      addr: "10.250.0.2:56490",
      host: "10.250.0.1:5077",
      method: "PUT",
      useragent: "docker/20.10",
    },
    actor: { name: "ops" },
    source: { addr: "vm:5077", instanceID: "a9e4" },
  };
}

describe("registry notification envelopes", () => {
  it("keeps tagged manifest pushes and drops blob pushes, pulls and pushes by digest", () => {
    const body = {
      events: [
        event({ mediaType: "application/octet-stream", tag: "" }),
        event({ action: "pull" }),
        event({ tag: "" }),
        event({}),
        event({ mediaType: "application/vnd.oci.image.index.v1+json", tag: "v2", digest: D2 }),
      ],
    };
    expect(pushEvents(body)).toEqual({
      ok: true,
      plan: [
        {
          repository: "team/web",
          tag: "v1.3",
          digest: D1,
          actor: "ops",
          at: Date.parse("2026-11-30T04:11:06.458Z"),
        },
        {
          repository: "team/web",
          tag: "v2",
          digest: D2,
          actor: "ops",
          at: Date.parse("2026-11-30T04:11:06.458Z"),
        },
      ],
    });
  });

  it("drops names that are not safe and refuses what is not an envelope", () => {
    expect(pushEvents({ events: [event({ tag: "<!channel>" }), event({ digest: "sha256:zz" })] })).toEqual({
      ok: true,
      plan: [],
    });
    expect(pushEvents({ event: [] })).toEqual({
      ok: false,
      message:
        "not a registry notification envelope: events: Invalid input: expected array, received undefined",
    });
    expect(pushEvents({ events: [{ action: "push" }] }).ok).toBe(false);
  });
});

describe("what a push leads to", () => {
  const push = (repository: string, tag: string, digest = D1) => ({
    repository,
    tag,
    digest,
    actor: "ops",
    at: 1,
  });

  it("one notice per project of the repository; autoDeploy when the tag matches", () => {
    expect(pushNotices(fleet, [push("team/web", "v1.3")])).toEqual([
      {
        project: "w1",
        image: "team/web",
        repository: "team/web",
        tag: "v1.3",
        digest: D1,
        actor: "ops",
        at: 1,
        env: "qa",
        channel: "C0QA",
        deployEnv: "qa",
        autoDeploy: { env: "beta", pattern: "^v\\d+", channel: "C0BETA" },
      },
      {
        project: "w2",
        image: "team/web",
        repository: "team/web",
        tag: "v1.3",
        digest: D1,
        actor: "ops",
        at: 1,
        env: "qa",
        channel: "C0QA",
        deployEnv: "qa",
      },
    ]);
  });

  it("no Deploy button for the environment autoDeploy deploys to anyway; nothing for other repositories", () => {
    const [w3] = pushNotices(fleet, [push("team/w3", "rc-1")]);
    expect(w3?.deployEnv).toBeUndefined();
    expect(w3?.autoDeploy).toEqual({ env: "qa", pattern: "^rc-", channel: "C0QA" });
    expect(pushNotices(fleet, [push("team/w3", "v1")])[0]?.autoDeploy).toBeUndefined();
    expect(pushNotices(fleet, [push("team/unknown", "v1"), push("a1x", "v1")])).toEqual([]);
  });

  it("renders the message with digest, size, pusher and time, and both buttons", () => {
    const [, w2] = pushNotices(fleet, [
      { ...push("team/web", "v1.3"), at: Date.parse("2026-11-30T04:11:06Z") },
    ]);
    expect(
      renderPush(w2 as NonNullable<typeof w2>, {
        size: 3 * 1024 * 1024,
        created: Date.parse("2026-11-30T04:00:00Z"),
      }),
    ).toEqual({
      text: ":package: *w2:v1.3* pushed by `ops` at 2026-11-30 04:11:06 UTC: digest `aaaaaaaaaaaa`, size 3.0 MB, built 2026-11-30 04:00 UTC",
      buttons: [
        { action: "push-deploy", label: "Deploy to qa", value: "w2:v1.3 qa", style: "primary" },
        { action: "push-changes", label: "Show changes", value: "w2:v1.3 qa" },
      ],
    });
    const [w1] = pushNotices(fleet, [{ ...push("team/web", "v2"), actor: "<!here>" }]);
    expect(renderPush(w1 as NonNullable<typeof w1>, {}).text).toBe(
      [
        ":package: *w1:v2* pushed by `&lt;!here&gt;` at 1970-01-01 00:00:00 UTC: digest `aaaaaaaaaaaa`",
        ":rocket: Deploying it to *beta* automatically (`autoDeploy`: the tag matches `^v\\d+`)",
      ].join("\n"),
    );
  });
});

describe("Show changes", () => {
  const t = (iso: string) => Date.parse(`2026-11-${iso}Z`);
  const rows = [
    { tag: "v1", digest: D1, created: t("01T10:00:00") },
    { tag: "v2", digest: D2, created: t("02T10:00:00") },
    { tag: "latest", digest: D2, created: t("02T10:00:00") },
    { tag: "v3", digest: D3, created: t("03T10:00:00") },
  ];
  const base = { project: "w1", env: "beta", rows };

  it("lists the images built after the running one, up to the pushed one, oldest first", () => {
    expect(renderChanges({ ...base, pushedTag: "v3", running: { tag: "v1", digest: D1 } })).toBe(
      [
        "*Changes of w1 in beta* up to `v3` (built 2026-11-03 10:00:00 UTC): *beta* runs `v1` (built 2026-11-01 10:00:00 UTC); built since then:",
        "```",
        "TAG         BUILT                    DIGEST",
        "latest, v2  2026-11-02 10:00:00 UTC  bbbbbbbbbbbb",
        "v3          2026-11-03 10:00:00 UTC  cccccccccccc",
        "```",
      ].join("\n"),
    );
  });

  it("says when the pushed image is older, the same, or nothing ran yet", () => {
    expect(renderChanges({ ...base, pushedTag: "v1", running: { tag: "v3" } })).toContain(
      "*beta* runs `v3` (built 2026-11-03 10:00:00 UTC), which is newer; deploying goes back over:\n```\nTAG         BUILT                    DIGEST\nlatest, v2",
    );
    expect(renderChanges({ ...base, pushedTag: "latest", running: { tag: "v2", digest: D2 } })).toContain(
      "the same image. Nothing changes.",
    );
    expect(renderChanges({ ...base, pushedTag: "v2" })).toContain(
      "nothing deployed to *beta* on record; the images built up to it:\n```\nTAG         BUILT                    DIGEST\nv1 ",
    );
    expect(renderChanges({ ...base, pushedTag: "v9" })).toBe("`w1:v9` is no longer in the registry.");
  });
});

describe("autoDeploy in the fleet file", () => {
  const problems = (auto: string) => {
    const checked = checkFleet(withProjects(`z1:\n  image: z1\n  autoDeploy: ${auto}`), "fleet.yml", {});
    return checked.ok ? [] : checked.problems;
  };

  it("refuses an environment whose deploys need approval, an unknown one and a bad pattern", () => {
    expect(problems("{ env: prod, tags: '^v' }")).toEqual([
      {
        path: "projects.z1.autoDeploy.env",
        message:
          'autoDeploy cannot deploy to "prod": its deploys need approval (environments.prod.approval), and no one approves a push. Pick an environment without approval, or remove autoDeploy',
      },
    ]);
    expect(problems("{ env: staging, tags: '^v' }")).toEqual([
      {
        path: "projects.z1.autoDeploy.env",
        message: 'unknown environment "staging"; the environments section defines beta, prod',
      },
    ]);
    expect(problems("{ env: beta, tags: '^v(' }")).toEqual([
      { path: "projects.z1.autoDeploy.tags", message: "not a regular expression; write e.g. '^v\\d+'" },
    ]);
    expect(problems("{ env: beta, tags: '^v\\d+' }")).toEqual([]);
  });
});

describe("the registry's token", () => {
  it("matches only `Bearer <token>`", () => {
    const token = "0123456789abcdef0123456789abcdef";
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches("Bearer ", token)).toBe(false);
  });
});
