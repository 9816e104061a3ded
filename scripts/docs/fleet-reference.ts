/** A node of fleet.schema.json, as far as the reference reads it. */
export type SchemaNode = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  const?: unknown;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
};

type Row = { path: string; type: string; fallback: string; description: string };

/** `string`, `string | number`, `false | "internal" | "auto"`, `map of string`, `list of string`. */
function typeOf(node: SchemaNode): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(" \\| ");
  if (Array.isArray(node.type)) return node.type.join(" \\| ");
  if (node.type === "array") return `list of ${node.items ? typeOf(node.items) : "any"}`;
  if (node.type === "object" && typeof node.additionalProperties === "object" && !node.properties)
    return `map of ${typeOf(node.additionalProperties)}`;
  return node.type ?? "any";
}

function fallbackOf(node: SchemaNode, required: boolean): string {
  if (required) return "required";
  if (node.default === undefined) return "—";
  if (typeof node.default === "object" && node.default !== null && Object.keys(node.default).length > 0)
    return "see keys";
  return `\`${JSON.stringify(node.default)}\``;
}

/** One row per key, depth first; `<name>` stands for the keys of a map (a host, a project, …). */
function rows(node: SchemaNode, prefix: string): Row[] {
  const out: Row[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = `${prefix}${key}`;
    out.push({
      path,
      type: typeOf(child),
      fallback: fallbackOf(child, node.required?.includes(key) ?? false),
      description: (child.description ?? "").replaceAll("|", "\\|"),
    });
    out.push(...nested(child, path));
  }
  return out;
}

function nested(node: SchemaNode, path: string): Row[] {
  if (node.properties) return rows(node, `${path}.`);
  if (typeof node.additionalProperties === "object" && node.additionalProperties.properties)
    return rows(node.additionalProperties, `${path}.<name>.`);
  if (node.items?.properties) return rows(node.items, `${path}[].`);
  return [];
}

/** A Markdown table with its columns padded, as the formatter (Biome) lays tables out. */
function table(head: string[], body: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + " ".repeat((widths[i] ?? 0) - [...c].length)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
}

/** The fleet file reference: one table per top-level section, from the schema's descriptions. */
export function fleetReference(schema: SchemaNode): string {
  const sections = Object.entries(schema.properties ?? {}).map(([key, node]) => {
    const required = schema.required?.includes(key) ? " (required)" : "";
    const keys = rows({ properties: { [key]: node }, required: schema.required ?? [] }, "");
    const lines = table(
      ["key", "type", "default", "what it is"],
      keys.map((r) => [`\`${r.path}\``, r.type, r.fallback, r.description]),
    );
    return [`### \`${key}\`${required}`, "", ...lines].join("\n");
  });
  return sections.join("\n\n");
}
