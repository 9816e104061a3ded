import { z } from "zod";
import { fleetSchema } from "./schema.js";

/**
 * The fleet file's JSON Schema, generated from the zod schema (descriptions included) so editors
 * complete and check what the bot accepts. It describes the file as written (`io: "input"`):
 * durations may be "30s" or a number of seconds. Checks across sections (an environment's host
 * must exist, roles named by allow must be defined) are the bot's own; `npm run check` runs them.
 */
export function fleetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(fleetSchema, { io: "input" });
  return {
    $schema: schema.$schema,
    title: "dockops fleet file",
    description: "Hosts, environments, projects and the registry dockops deploys with (fleet.yml)",
    ...schema,
  };
}

/** The committed file's text: what `npm run schema` writes and the drift test compares. */
export function fleetJsonSchemaText(): string {
  return `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`;
}
