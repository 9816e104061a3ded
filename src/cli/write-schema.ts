// npm run schema: regenerates fleet.schema.json from the zod schema in src/fleet/schema.ts.
import { writeFileSync } from "node:fs";
import { fleetJsonSchemaText } from "../fleet/json-schema.js";

writeFileSync(new URL("../../fleet.schema.json", import.meta.url), fleetJsonSchemaText());
process.stdout.write("wrote fleet.schema.json\n");
