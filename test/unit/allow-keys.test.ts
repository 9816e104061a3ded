import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SLASH_COMMANDS } from "../../commands/index.js";
import { ConfigError } from "../../src/errors.js";
import { ALLOW_KEYS, FLEET_ALLOW_KEYS } from "../../src/fleet/allow-keys.js";
import { parseFleet } from "../../src/fleet/load.js";

const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");
const withAllow = (key: string) =>
  `${example}roles:\n  ops: [U0OPS]\n`.replace(
    "    hosts: [serverA, serverB]\n",
    `    hosts: [serverA, serverB]\n    allow: { ${key}: [ops] }\n`,
  );

describe("allow keys", () => {
  it("name real commands (plus `lifecycle` for restart/stop/start together)", () => {
    for (const key of ALLOW_KEYS) {
      if (key !== "lifecycle") expect(SLASH_COMMANDS).toContain(key);
    }
    for (const key of FLEET_ALLOW_KEYS) expect(SLASH_COMMANDS).toContain(key);
  });

  it("accept a command name and refuse a typo, which would leave the command open", () => {
    expect(parseFleet(withAllow("stop"), "fleet.yml", {}).fleet.environments.beta?.allow).toEqual({
      stop: ["ops"],
    });
    expect(() => parseFleet(withAllow("stp"), "fleet.yml", {})).toThrow(ConfigError);
    expect(() => parseFleet(withAllow("stp"), "fleet.yml", {})).toThrow(
      /environments\.beta\.allow\.stp: "stp" is not a command that acts on an environment/,
    );
  });
});
