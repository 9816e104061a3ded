import { z } from "zod";
import { parseDuration } from "./duration.js";
import { parseSize } from "./size.js";

/** A usage percentage that must hold this long (0 = on the first sample over it) to alert. */
export type Threshold = { percent: number; forMs: number };

/** "90%" or "95% for 5m" → { percent: 95, forMs: 300000 }; undefined when it is neither. */
export function parseThreshold(text: string): Threshold | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*%(?:\s+for\s+(\S+))?$/.exec(text.trim());
  if (!match) return undefined;
  const percent = Number(match[1]);
  const forMs = match[2] === undefined ? 0 : parseDuration(match[2]);
  if (!(percent > 0 && percent <= 100) || forMs === undefined) return undefined;
  return { percent, forMs };
}

/** A threshold, or `false` to switch one off (a project that may run hot). */
const threshold = z.union([z.string(), z.literal(false)]).transform((value, ctx): Threshold | false => {
  if (value === false) return false;
  const parsed = parseThreshold(value);
  if (parsed) return parsed;
  ctx.addIssue({
    code: "custom",
    message: `"${value}" is not a threshold; write a percentage from 1 to 100, e.g. 90% or 95% for 5m`,
  });
  return z.NEVER;
});

const memory = threshold.describe(
  "Memory used (without page cache) in percent of the container's memory limit, the host's memory without one; e.g. 90% or 90% for 2m; false = no alert",
);
const cpu = threshold.describe(
  "CPU used in percent of the container's cpus limit, all the host's CPUs without one; e.g. 95% for 5m; false = no alert",
);

const disk = z
  .union([z.string(), z.literal(false)])
  .describe(
    "Docker's disk use on a host (images, containers, volumes, build cache) above this size, e.g. 40g; false = no alert. A size, not a percent: the Docker API does not tell the disk's size",
  )
  .transform((value, ctx): number | false => {
    if (value === false) return false;
    const bytes = parseSize(value);
    if (bytes !== undefined && bytes > 0) return bytes;
    ctx.addIssue({ code: "custom", message: `"${value}" is not a size; write e.g. 40g or 500m` });
    return z.NEVER;
  });

/** `alerts.resources` of the fleet file: what the monitor's samples are compared with. */
export const fleetResourceThresholds = z
  .strictObject({ memory: memory.optional(), cpu: cpu.optional(), disk: disk.optional() })
  .optional()
  .describe(
    "Resource alerts, checked on every sample the monitor takes: memory and CPU per project and environment on each host, Docker's disk use per host",
  );

/** `projects.<name>.alerts.resources`: the project's own memory and CPU thresholds. */
export const projectResourceThresholds = z
  .strictObject({ memory: memory.optional(), cpu: cpu.optional() })
  .optional()
  .describe("This project's memory and CPU thresholds, instead of alerts.resources'; false switches one off");

export type FleetResourceThresholds = z.infer<typeof fleetResourceThresholds>;
export type ProjectResourceThresholds = z.infer<typeof projectResourceThresholds>;

/** A project's thresholds in effect: its own where it sets them, the fleet's otherwise. */
export function thresholdsFor(
  fleet: FleetResourceThresholds | undefined,
  project: ProjectResourceThresholds | undefined,
): { memory?: Threshold; cpu?: Threshold } {
  const pick = (own: Threshold | false | undefined, shared: Threshold | false | undefined) => {
    const chosen = own ?? shared;
    return chosen === false ? undefined : chosen;
  };
  const memory = pick(project?.memory, fleet?.memory);
  const cpu = pick(project?.cpu, fleet?.cpu);
  return { ...(memory ? { memory } : {}), ...(cpu ? { cpu } : {}) };
}
