import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planBuild } from "../../commands/build.js";
import { planCommand } from "../../commands/index.js";
import { Access } from "../../src/core/access.js";
import { NO_GROUPS } from "../../src/core/directory.js";
import { ConfigError } from "../../src/errors.js";
import { parseFleet } from "../../src/fleet/load.js";

const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");
// The example's projects section is last, so a project appended here lands in it.
const withBuild = (build: string) =>
  `${example}  c1:\n    image: team/c1\n  b1:\n    image: team/b1\n    build:\n${build
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n")}\n`;
const { fleet } = parseFleet(
  withBuild("repo: https://git.example.com/b1.git\nbuilder: serverA"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const plan = (text: string) => planCommand("build", text, ctx);
const message = (text: string) => {
  const result = plan(text);
  return result.ok ? `planned ${result.plan.kind}` : result.message;
};

describe("/build plans", () => {
  it("builds the fleet file's ref by default, with a Deploy button for the first environment", () => {
    expect(plan("b1")).toEqual({
      ok: true,
      plan: {
        kind: "build",
        project: "b1",
        image: "team/b1",
        ref: "main",
        builder: "serverA",
        deployEnv: "beta",
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
  });

  it("takes a ref and a tag", () => {
    expect(plan("b1 feature/login --tag v1.5")).toEqual({
      ok: true,
      plan: {
        kind: "build",
        project: "b1",
        image: "team/b1",
        ref: "feature/login",
        tag: "v1.5",
        builder: "serverA",
        deployEnv: "beta",
        requestedBy: "U1",
        channel: "C0BETA",
      },
    });
    expect(plan("b1 --tag=v2 0123abc")).toMatchObject({ ok: true, plan: { ref: "0123abc", tag: "v2" } });
  });

  it("answers bad input with usage", () => {
    expect(message("")).toBe("name a project\nUsage: `/build <project> [<git ref>] [--tag <tag>]`");
    expect(message("c1")).toBe(
      "project `c1` has no `build` section in the fleet file, so it cannot be built\nUsage: `/build <project> [<git ref>] [--tag <tag>]`",
    );
    expect(message("nope")).toMatch(/^no project `nope`; known projects: `a1`, `site`, `c1`, `b1`/);
    expect(message("b1 main extra")).toMatch(/^too many words: `extra`/);
    expect(message("b1 --upload-pack=x")).toMatch(/^unknown option `--upload-pack`/);
    expect(message("b1 -x")).toMatch(/^`-x` is not a git ref/);
    expect(message("b1 a..b")).toMatch(/^`a..b` is not a git ref/);
    expect(message("b1 main --tag")).toMatch(/^`--tag` needs a value/);
    expect(message("b1 main --tag bad/tag")).toMatch(/^`bad\/tag` is not a tag for the image/);
    expect(message("b1 main --tag sha-abc")).toMatch(/^`sha-abc` is not a tag for the image/);
  });
});

describe("build section of the fleet file", () => {
  it("fills in defaults", () => {
    expect(fleet.projects.b1?.build).toEqual({
      repo: "https://git.example.com/b1.git",
      ref: "main",
      dockerfile: "Dockerfile",
      context: ".",
      builder: "serverA",
      args: {},
    });
  });

  it("refuses an unknown builder host and a context outside the repository", () => {
    const bad = (build: string) => () => parseFleet(withBuild(build), "fleet.yml", {});
    expect(bad("repo: /srv/b1\nbuilder: serverZ")).toThrow(ConfigError);
    expect(bad("repo: /srv/b1\nbuilder: serverZ")).toThrow(
      /projects\.b1\.build\.builder: unknown host "serverZ"/,
    );
    expect(bad("repo: /srv/b1\nbuilder: serverA\ncontext: ../etc")).toThrow(/the context must stay inside/);
  });
});

describe("the build example in docs/builds.md", () => {
  it("is a valid fleet file fragment with the values it claims", () => {
    const readme = readFileSync(new URL("../../docs/builds.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("# Building images from git"));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const a1 = (parseYaml(block) as { projects: { a1: unknown } }).projects.a1;
    const file = parseYaml(example) as { projects: Record<string, unknown> };
    const text = JSON.stringify({ ...file, projects: { ...file.projects, a1 } });
    const parsed = parseFleet(text, "fleet.yml", {}).fleet;
    expect(parsed.projects.a1?.build).toEqual({
      repo: "https://git.example.com/team/a1.git",
      ref: "main",
      dockerfile: "Dockerfile",
      context: ".",
      builder: "serverA",
      args: { NODE_ENV: "production" },
    });
  });
});

describe("who may /build", () => {
  it("anyone while the fleet names no rule; only the roles of the top-level allow.build after", async () => {
    const built = planBuild("b1", ctx);
    if (!built.ok) throw new Error(built.message);
    expect(await new Access(fleet, NO_GROUPS).check(built.plan)).toEqual({ ok: true, plan: built.plan });
    const ruled = parseFleet(
      `${withBuild("repo: /srv/b1\nbuilder: serverA")}roles:\n  builders: [U0BUILD]\nallow:\n  build: [builders]\n`,
      "fleet.yml",
      {},
    ).fleet;
    const access = new Access(ruled, NO_GROUPS);
    expect(await access.check(built.plan)).toEqual({
      ok: false,
      reason: "You may not run `build`: only the *builders* role may. Nothing was done.",
    });
    expect(await access.check({ ...built.plan, requestedBy: "U0BUILD" })).toMatchObject({ ok: true });
  });
});
