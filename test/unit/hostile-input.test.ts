import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planCommand, SLASH_COMMANDS } from "../../commands/index.js";
import { parseFleet } from "../../src/fleet/load.js";
import { NAME_PATTERN, TAG_PATTERN } from "../../src/names.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C1" };

const hostileWord = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "../",
    "../../etc/passwd",
    "$(id)",
    "`id`",
    "; rm -rf /",
    "--help",
    "-rf",
    "a1:",
    ":v1",
    "\u0000",
    "a1:v1\n",
  ),
  fc.constantFrom("a1", "beta", "prod", "serverA", "all", "a1:v1", "--dry-run"),
);
const hostileText = fc.oneof(
  fc.string({ maxLength: 3000 }),
  fc.array(hostileWord, { maxLength: 8 }).map((w) => w.join(" ")),
  fc.constantFrom("", " ", "\t\n", "x".repeat(100_000)),
);

describe("hostile input", () => {
  it("every command gives a usage message or a valid plan, never an exception", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SLASH_COMMANDS, "unknown"), hostileText, (command, text) => {
        const result = planCommand(command, text, ctx);
        if (!result.ok) {
          expect(typeof result.message).toBe("string");
          expect(result.message.length).toBeLessThan(2_000);
          return;
        }
        if (result.plan.kind === "deploy") {
          const { plan } = result;
          expect(plan.project in fleet.projects).toBe(true);
          expect(plan.env in fleet.environments).toBe(true);
          expect(TAG_PATTERN.test(plan.tag)).toBe(true);
          for (const host of plan.hosts) {
            expect(NAME_PATTERN.test(host)).toBe(true);
            expect(fleet.environments[plan.env]?.hosts).toContain(host);
          }
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it("never echoes more than a short piece of what was typed", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 200, maxLength: 1500 }), (junk) => {
        const result = planCommand("deploy", `${junk.replace(/\s/g, "x")} beta`, ctx);
        expect(!result.ok && result.message.length).toBeLessThan(400);
      }),
    );
  });
});

describe("names of built-in object properties", () => {
  it.each([
    ["deploy", "constructor beta"],
    ["deploy", "a1 constructor"],
    ["config", "set a1 constructor FOO=bar"],
    ["config", "set toString beta FOO=bar"],
    ["logs", "a1 constructor"],
    ["restart", "a1 constructor"],
    ["status", "a1 valueOf"],
    ["rollback", "a1 beta hasOwnProperty"],
  ])("/%s %s is a usage message, not a plan", (command, text) => {
    const result = planCommand(command, text, ctx);
    expect(result.ok).toBe(false);
  });
});
