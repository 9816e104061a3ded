import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../commands/index.js";
import { commandReference } from "../../scripts/docs/command-reference.js";
import { fleetReference } from "../../scripts/docs/fleet-reference.js";
import { replaceSection } from "../../scripts/docs/generated-section.js";
import { generatedPages } from "../../scripts/docs/pages.js";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("generated docs", () => {
  it.each(generatedPages().map((p) => [p.path, p.text]))(
    "%s is what `npm run docs` generates (run it after changing the schema or a command)",
    (path, text) => {
      expect(read(path)).toBe(text);
    },
  );

  it("lists every key of the schema, with its default and description", () => {
    // Cells are padded to align the columns; compare them with single spaces.
    const reference = fleetReference(JSON.parse(read("fleet.schema.json"))).replace(/ +/g, " ");
    expect(reference).toContain(
      "| `projects.<name>.verify` | string \\| number | — | How long the new container must stay running and healthy before the deploy succeeds (default 5s) |",
    );
    expect(reference).toContain(
      '| `projects.<name>.proxy.tls` | false \\| "internal" \\| "auto" | `false` | false: plain HTTP; internal: Caddy\'s own CA; auto: ACME certificates |',
    );
    expect(reference).toContain(
      "| `registry.url` | string | required | Registry host[:port], without a scheme |",
    );
  });

  it("shows every command's usage, description and examples", () => {
    const reference = commandReference(COMMANDS);
    for (const c of COMMANDS) {
      expect(reference).toContain(
        `### \`/${c.name}\`\n\n\`\`\`text usage\n${c.usage}\n\`\`\`\n\n${c.description}\n`,
      );
      for (const example of c.examples) expect(reference).toContain(`\n${example}\n`);
    }
  });

  it("replaces only what lies between a section's markers, and refuses a page without them", () => {
    const start = "<!-- generated:x start (npm run docs; do not edit by hand) -->";
    const page = `before\n${start}\nold\n<!-- generated:x end -->\nafter\n`;
    expect(replaceSection(page, "x", "new")).toBe(
      `before\n${start}\n\nnew\n\n<!-- generated:x end -->\nafter\n`,
    );
    expect(() => replaceSection("no markers", "x", "new")).toThrow('the page has no generated section "x"');
  });
});
