import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, links, slug } from "../support/markdown.js";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), "utf8");
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Links from `page` whose file or heading does not exist; web addresses are not followed. */
function broken(page: string): string[] {
  return links(read(page))
    .filter((target) => !/^[a-z]+:/.test(target))
    .filter((target) => {
      const [path = "", anchor] = target.split("#");
      const file = path === "" ? page : normalize(join(dirname(page), path));
      if (!existsSync(join(root, file))) return true;
      return anchor !== undefined && file.endsWith(".md") && !anchors(read(file)).has(anchor);
    })
    .map((target) => `${page} → ${target}`);
}

describe("links in README.md and docs/", () => {
  it("lead to files and headings that exist", () => {
    expect(pages.flatMap(broken)).toEqual([]);
  });

  it("the README links every docs page", () => {
    const fromReadme = new Set(links(read("README.md")).map((t) => t.split("#")[0]));
    expect(pages.filter((p) => p !== "README.md" && !fromReadme.has(p))).toEqual([]);
  });

  it("anchors follow GitHub's rules", () => {
    expect(slug("Mistakes, editor help and `npm run check`")).toBe("mistakes-editor-help-and-npm-run-check");
    expect(slug("Try it in two minutes (shell mode, no Slack needed)")).toBe(
      "try-it-in-two-minutes-shell-mode-no-slack-needed",
    );
    expect([...anchors("# A\n## Notes\n```sh\n# not a heading\n```\n### Notes\n")]).toEqual([
      "a",
      "notes",
      "notes-1",
    ]);
  });

  it("would report a missing page and a missing heading", () => {
    expect(links("see [x](docs/nope.md) and `[y](z.md)`")).toEqual(["docs/nope.md"]);
    expect(anchors(read("docs/alerts.md")).has("no-such-heading")).toBe(false);
  });
});
