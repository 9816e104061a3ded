import { readFileSync } from "node:fs";
import { join } from "node:path";

export const FLEET_STATE_DIR = process.env.FLEET_STATE_DIR ?? "/tmp/dckops-fleet";

export type FleetEnv = Record<string, string>;

/** What test/fleet/up.sh started: addresses, sockets, credentials. Fails loudly if it is not up. */
export function readFleetEnv(): FleetEnv {
  const file = join(FLEET_STATE_DIR, "fleet.env");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `${file} is missing: the test fleet is not up. Run \`npm run fleet:up\` (as root) first.`,
    );
  }
  const env: FleetEnv = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1] as string] = match[2] as string;
  }
  return env;
}

export function need(env: FleetEnv, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`fleet.env has no ${key}; re-run test/fleet/up.sh`);
  return value;
}
