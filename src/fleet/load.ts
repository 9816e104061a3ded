import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError, errorMessage } from "../errors.js";
import { interpolate } from "./interpolate.js";
import { type Fleet, fleetSchema } from "./schema.js";

/** `digest` fingerprints the file's text: logs and reloads name a fleet version by it. */
export type LoadedFleet = { fleet: Fleet; file: string; unsetVariables: string[]; digest: string };

/** A short fingerprint of a fleet file's text. */
export function fleetDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/** One thing wrong in a fleet file: where (a dotted path inside it) and what. */
export type FleetProblem = { path: string; message: string };

export type CheckedFleet =
  | (LoadedFleet & { ok: true })
  | { ok: false; file: string; problems: FleetProblem[]; unsetVariables: string[] };

export function formatIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  return formatProblems(file, issues.map(toProblem));
}

function formatProblems(file: string, problems: readonly FleetProblem[]): string {
  return `${file} is invalid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`;
}

function toProblem(issue: z.core.$ZodIssue): FleetProblem {
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
  return { path, message: issue.message };
}

/**
 * Checks fleet YAML text and lists every problem as a value (for `npm run check`); `file` is
 * used in messages and to resolve relative TLS and CA paths.
 */
export function checkFleet(
  text: string,
  file: string,
  env: Record<string, string | undefined>,
): CheckedFleet {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return {
      ok: false,
      file,
      problems: [{ path: "(yaml)", message: errorMessage(err) }],
      unsetVariables: [],
    };
  }
  const { value, missing } = interpolate(raw ?? {}, env);
  const unsetVariables = [...new Set(missing)];
  const result = fleetSchema.safeParse(dropEmptyStrings(value));
  if (!result.success)
    return { ok: false, file, problems: result.error.issues.map(toProblem), unsetVariables };
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
  return { ok: true, fleet, file, unsetVariables, digest: fleetDigest(text) };
}

/** Parses fleet YAML text; `file` is used in messages and to resolve relative TLS paths. */
export function parseFleet(text: string, file: string, env: Record<string, string | undefined>): LoadedFleet {
  const checked = checkFleet(text, file, env);
  if (checked.ok)
    return { fleet: checked.fleet, file, unsetVariables: checked.unsetVariables, digest: checked.digest };
  const [first] = checked.problems;
  if (first?.path === "(yaml)") throw new ConfigError(`${file} is not valid YAML: ${first.message}`);
  throw new ConfigError(formatProblems(file, checked.problems));
}

export function loadFleet(file: string, env: Record<string, string | undefined> = process.env): LoadedFleet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read the fleet file ${file} (${errorMessage(err)}); set FLEET_FILE to its path, see docs/fleet-file.md`,
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
