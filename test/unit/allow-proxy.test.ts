import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFleet } from "../../src/fleet/load.js";

const example = readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8");

describe("the top-level allow.proxy", () => {
  it("is accepted, as the proxy docs and /proxy's refusal say (roles besides the approvers)", () => {
    const text = `${example}roles:\n  ops: [U0OPS]\nallow:\n  proxy: [ops]\n`;
    expect(parseFleet(text, "fleet.yml", {}).fleet.allow).toEqual({ proxy: ["ops"] });
  });
});
