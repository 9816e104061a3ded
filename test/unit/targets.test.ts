import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  badEnv,
  badFleetHost,
  badHostChoice,
  badProject,
  chosenHosts,
  projectEnvArgs,
} from "../../commands/targets.js";
import { parseFleet } from "../../src/fleet/load.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);

describe("fleet name checks answer why not, or undefined", () => {
  it("chain with ?? and stop at the first reason", () => {
    expect(badProject(fleet, "a1") ?? badEnv(fleet, "prod") ?? badHostChoice(fleet, "prod", "serverC")).toBe(
      undefined,
    );
    expect(badProject(fleet, "a2") ?? badEnv(fleet, "nope")).toBe("no project `a2`; did you mean `a1`?");
    expect(badProject(fleet, "a1") ?? badEnv(fleet, "prd")).toBe(
      "no environment `prd`; did you mean `prod`?",
    );
  });

  it("check any host of the fleet, or the environment's", () => {
    expect(badFleetHost(fleet, "serverA")).toBeUndefined();
    expect(badFleetHost(fleet, "constructor")).toBe(
      "no host `constructor`; known hosts: `serverA`, `serverB`, `serverC`",
    );
    expect(badHostChoice(fleet, "beta", undefined)).toBeUndefined();
    expect(badHostChoice(fleet, "beta", "all")).toBeUndefined();
    expect(badHostChoice(fleet, "beta", "serverC")).toBe(
      "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)",
    );
  });

  it("then read the hosts they checked", () => {
    expect(chosenHosts(fleet, "beta", undefined)).toEqual(["serverA", "serverB"]);
    expect(chosenHosts(fleet, "beta", "all")).toEqual(["serverA", "serverB"]);
    expect(chosenHosts(fleet, "beta", "serverB")).toEqual(["serverB"]);
  });

  it("a whole-text reader returns the words or the usage message", () => {
    expect(projectEnvArgs(fleet, ["a1", "beta", "serverA"], 1)).toEqual({
      ok: true,
      plan: { project: "a1", env: "beta", rest: ["serverA"] },
    });
    expect(projectEnvArgs(fleet, ["a1", "bta"], 1)).toMatchObject({
      ok: false,
      message: "no environment `bta`; did you mean `beta`?",
    });
  });
});
