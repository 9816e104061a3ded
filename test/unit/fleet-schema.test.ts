import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fleetJsonSchemaText } from "../../src/fleet/json-schema.js";

const committed = readFileSync(new URL("../../fleet.schema.json", import.meta.url), "utf8");

type Node = {
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  description?: string;
};

/** Paths of properties with no description, so editors and the reference never show a bare key. */
function undescribed(node: Node, path: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (!child.description) out.push(`${path}${key}`);
    out.push(...undescribed(child, `${path}${key}.`));
  }
  if (typeof node.additionalProperties === "object")
    out.push(...undescribed(node.additionalProperties, `${path}*.`));
  if (node.items) out.push(...undescribed(node.items, `${path}[].`));
  return out;
}

describe("fleet.schema.json", () => {
  it("is what the zod schema generates (run `npm run schema` after changing src/fleet/schema.ts)", () => {
    expect(committed).toBe(fleetJsonSchemaText());
  });

  it("describes every key", () => {
    expect(undescribed(JSON.parse(committed) as Node, "")).toEqual([]);
  });

  it("describes the file as written: durations as text or seconds, no millisecond defaults", () => {
    const schema = JSON.parse(committed) as { properties: Record<string, Node & { default?: unknown }> };
    const host = schema.properties.hosts?.additionalProperties as Node;
    const timeout = host.properties?.timeout;
    expect(timeout).toMatchObject({ type: ["string", "number"] });
    expect(timeout).not.toHaveProperty("default");
    expect(schema.properties.audit?.default).toEqual({});
  });

  it("is what fleet.example.yml points editors to", () => {
    const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");
    expect(example.split("\n")[0]).toBe("# yaml-language-server: $schema=./fleet.schema.json");
  });
});
