import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../commands/index.js";
import { auditCommandText } from "../../src/audit/mask-command.js";
import { parseFleet } from "../../src/fleet/load.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C1" };
const audited = (command: string, text: string) =>
  auditCommandText(command, text, planCommand(command, text, ctx));

describe("the audit text of a typed command comes from the parser's result", () => {
  it.each([
    [
      "config",
      'SET a1 beta DB_PASSWORD="horse battery staple" --secret',
      "/config set a1 beta DB_PASSWORD=•••• (secret)",
    ],
    ["config", "Set a1 beta LOG_LEVEL=debug", "/config set a1 beta LOG_LEVEL=••••"],
    ["config", "set a1 beta SESSION_SALT=salt-5a96ed6b66", "/config set a1 beta SESSION_SALT=••••"],
    [
      "ops",
      'CONFIG set a1 prod DB_PASSWORD="abc hunter22x"',
      "/ops config set a1 prod DB_PASSWORD=•••• (secret)",
    ],
    ["OPS", "Config SET a1 prod K=v1 L=v2", "/ops config set a1 prod K=•••• L=••••"],
    ["config", "UNSET a1 beta K L", "/config unset a1 beta K L"],
    ["config", "get a1 beta DB_HOST", "/config get a1 beta DB_HOST"],
    ["config", "diff a1 beta prod", "/config diff a1 beta prod"],
    ["config", "revert a1 beta 3", "/config revert a1 beta r3"],
    ["config", "History a1 beta", "/config history a1 beta"],
    ["config", "help", "/config help"],
  ])("/%s %s", (command, text, expected) => {
    expect(audited(command, text)).toBe(expected);
  });

  it.each([
    ["config", "Set a1 beta S3cretWithoutKey"],
    ["config", "SET a1 beta DB_PASSWORD hunter22x"],
    ["config", 'set a1 beta K="unclosed hunter22x'],
    ["config", "hunter22x a1 beta"],
    ["ops", "config Set a1 beta S3cretWithoutKey"],
  ])("a /%s that failed to parse stores no argument text: %s", (command, text) => {
    const out = audited(command, text);
    expect(out).toMatch(/^\/(ops )?config \(not understood; arguments not stored\)$/);
  });

  it("an unknown command stores no argument text either, not even its name", () => {
    expect(audited("ops", "confgi set a1 beta DB_PASSWORD=hunter22x")).toBe(
      "/ops (unknown command; arguments not stored)",
    );
  });

  it("other commands keep their text, with KEY=VALUE and --secret values masked", () => {
    expect(audited("deploy", "a1 beta v2")).toBe("/deploy a1 beta v2");
    expect(audited("ops", "DEPLOY a1 beta v2")).toBe("/ops deploy a1 beta v2");
    expect(audited("exec", "a1 beta serverA -- env DB_PASSWORD=hunter22x")).toBe(
      "/exec a1 beta serverA -- env DB_PASSWORD=••••2x",
    );
  });
});
