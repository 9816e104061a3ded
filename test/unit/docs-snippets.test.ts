import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { planCommand } from "../../commands/index.js";
import { DEFAULT_FLEET_YAML } from "../../src/fleet/default-fleet.js";
import { parseFleet } from "../../src/fleet/load.js";
import { type CodeBlock, codeBlocks } from "../support/markdown.js";

/**
 * Every code block of the docs that is a fleet snippet or a chat command is checked against the
 * real parsers, so the docs cannot show a key the schema refuses or a command the bot rejects.
 * Info-string tags say what a block is when its language alone does not:
 * `yaml manifest` / `yaml compose` / `yaml registry` (YAML that is not a fleet file; a registry
 * block is the `notifications:` of docker-registry's config, which the registry-events
 * integration test runs a registry with), `text usage` (a usage
 * pattern, not a command), `builtin-fleet` (commands for the built-in fleet of shell mode),
 * `error` (commands shown to be refused).
 */
const TAGS = new Set(["manifest", "compose", "registry", "usage", "builtin-fleet", "error"]);
const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const pages = ["README.md", ...readdirSync(new URL("docs/", root)).map((f) => `docs/${f}`)];
const blocks = pages.flatMap((page) => codeBlocks(page, read(page)));

const exampleText = read("fleet.example.yml");
const fleets = {
  example: parseFleet(exampleText, "fleet.example.yml", {}).fleet,
  builtIn: parseFleet(DEFAULT_FLEET_YAML, "built-in", {}).fleet,
};
const where = (b: CodeBlock) => `${b.file}:${b.line}`;

/** Maps whose entries a snippet adds to (or replaces in) the example fleet; other keys replace. */
const MERGED = ["hosts", "environments", "projects", "roles"];

/** A snippet that is not a whole fleet file becomes one: the example file with the snippet laid over it. */
function asFleetFile(snippet: Record<string, unknown>): string {
  if ("registry" in snippet && "hosts" in snippet) return stringify(snippet);
  const base = parseYaml(exampleText) as Record<string, unknown>;
  for (const [key, value] of Object.entries(snippet)) {
    base[key] = MERGED.includes(key) ? { ...(base[key] as object), ...(value as object) } : value;
  }
  return stringify(base);
}

/** Slash commands in a block, with a shell prompt (`dockops> `, `$ `) taken off. */
function commandLines(b: CodeBlock): string[] {
  return b.body
    .map((l) => /^(?:dockops> |\$ )?(\/[a-z].*)$/.exec(l.trim())?.[1])
    .filter((l) => l !== undefined);
}

function plan(line: string, builtIn: boolean) {
  const [, name = "", text = ""] = /^\/(\S+)\s*(.*)$/.exec(line) ?? [];
  return planCommand(name, text, {
    fleet: builtIn ? fleets.builtIn : fleets.example,
    user: "U0DOCS",
    channel: "C0BETA",
  });
}

const fleetSnippets = blocks.filter((b) => b.lang === "yaml" && b.tags.length === 0);
const commandBlocks = blocks.filter((b) => commandLines(b).length > 0 && !b.tags.includes("usage"));

describe("code blocks in README.md and docs/", () => {
  it("say what they are: a language, and only known tags", () => {
    const untagged = blocks.filter((b) => b.lang === "").map(where);
    const unknown = blocks
      .filter((b) => b.tags.some((t) => !TAGS.has(t)))
      .map((b) => `${where(b)} ${b.tags}`);
    expect({ untagged, unknown }).toEqual({ untagged: [], unknown: [] });
  });

  it("include fleet snippets and commands (so the checks below check something)", () => {
    expect(fleetSnippets.length).toBeGreaterThanOrEqual(4);
    expect(commandBlocks.filter((b) => b.file === "README.md").length).toBeGreaterThanOrEqual(4);
    expect(commandBlocks.filter((b) => b.file === "docs/commands.md").length).toBeGreaterThanOrEqual(20);
  });

  it.each(fleetSnippets.map((b) => [where(b), b] as const))("%s: the fleet snippet is valid", (_, b) => {
    const snippet = parseYaml(b.body.join("\n")) as Record<string, unknown>;
    expect(() => parseFleet(asFleetFile(snippet), where(b), {})).not.toThrow();
  });

  it.each(commandBlocks.map((b) => [where(b), b] as const))("%s: every command parses as shown", (_, b) => {
    const refused = b.tags.includes("error");
    for (const line of commandLines(b)) {
      const result = plan(line, b.tags.includes("builtin-fleet"));
      const outcome = result.ok ? "planned" : `refused: ${result.message}`;
      expect(`${line} → ${outcome}`).toBe(
        `${line} → ${refused ? outcome.replace(/^planned$/, "refused") : "planned"}`,
      );
      if (refused) expect(result.ok, line).toBe(false);
    }
  });

  it("would catch a bad snippet and a bad command", () => {
    const bad = asFleetFile(
      parseYaml("projects:\n  a1:\n    image: a1\n    helth: { cmd: x }") as Record<string, unknown>,
    );
    expect(() => parseFleet(bad, "doc", {})).toThrow(/projects\.a1/);
    expect(plan("/deploy a1 beta serverX", false).ok).toBe(false);
    expect(plan("/deploy a1 beta serverA", false).ok).toBe(true);
  });
});
