import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError, errorMessage } from "../errors.js";
import { interpolate } from "./interpolate.js";
import { type Fleet, fleetSchema } from "./schema.js";

export type LoadedFleet = { fleet: Fleet; file: string; unsetVariables: string[] };

export function formatIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
    return `  ${path}: ${issue.message}`;
  });
  return `${file} is invalid:\n${lines.join("\n")}`;
}

/** Parses fleet YAML text; `file` is used in messages and to resolve relative TLS paths. */
export function parseFleet(text: string, file: string, env: Record<string, string | undefined>): LoadedFleet {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid YAML: ${errorMessage(err)}`);
  }
  const { value, missing } = interpolate(raw ?? {}, env);
  const result = fleetSchema.safeParse(dropEmptyStrings(value));
  if (!result.success) throw new ConfigError(formatIssues(file, result.error.issues));
  const fleet = result.data;
  const base = dirname(resolve(file));
  if (fleet.registry.ca && !isAbsolute(fleet.registry.ca))
    fleet.registry.ca = resolve(base, fleet.registry.ca);
  for (const host of Object.values(fleet.hosts)) {
    if (host.tls) {
      for (const k of ["ca", "cert", "key"] as const) {
        if (!isAbsolute(host.tls[k])) host.tls[k] = resolve(base, host.tls[k]);
      }
    }
  }
  return { fleet, file, unsetVariables: [...new Set(missing)] };
}

export function loadFleet(file: string, env: Record<string, string | undefined> = process.env): LoadedFleet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read the fleet file ${file} (${errorMessage(err)}); set FLEET_FILE to its path, see README "The fleet file"`,
    );
  }
  return parseFleet(text, file, env);
}

/** registry.username: "${UNSET}" interpolates to "", which means "not given". */
function dropEmptyStrings(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "registry" && v && typeof v === "object") {
      out[k] = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ""));
    } else {
      out[k] = v;
    }
  }
  return out;
}
