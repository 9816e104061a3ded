import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS, planCommand } from "../../commands/index.js";
import { parseFleet } from "../../src/fleet/load.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };

const message = (command: string, text: string): string => {
  const result = planCommand(command, text, ctx);
  if (result.ok) throw new Error(`${command} ${text} was accepted`);
  return result.message;
};

describe("every typo names the bad word and suggests the closest valid one", () => {
  const table: Array<[string, string, string, string]> = [
    // command, text, the bad word as echoed, the suggestion
    ["deploy", "a2 beta", "no project `a2`", "did you mean `a1`?"],
    ["deploy", "a1 bta", "no environment `bta`", "did you mean `beta`?"],
    ["deploy", "a1 prdo", "no environment `prdo`", "did you mean `prod`?"],
    ["deploy", "a1 beta serverD", "no host `serverD`", "did you mean `serverA`?"],
    ["deploy", "a1 beta servrB", "no host `servrB`", "did you mean `serverB`?"],
    ["deploy", "a1 beta --dryrun", "unknown option `--dryrun`", "did you mean `--dry-run`?"],
    ["deploy", "a1 beta --dry-rn", "unknown option `--dry-rn`", "did you mean `--dry-run`?"],
    ["deplyo", "a1 beta", "unknown command `deplyo`", "did you mean `deploy`?"],
    ["ops", "deplo a1 beta", "unknown command `deplo`", "did you mean `deploy`?"],
    ["ops", "help deplyo", "no command `deplyo`", "did you mean `deploy`?"],
  ];
  it.each(table)("/%s %s", (command, text, names, suggests) => {
    const m = message(command, text);
    expect(m).toContain(names);
    expect(m).toContain(suggests);
  });

  it("an unknown command with nothing close lists the known commands", () => {
    const m = message("frobnicate", "x");
    expect(m).toBe(
      `unknown command \`frobnicate\`. Known commands: ${COMMANDS.map((c) => `\`${c.name}\``).join(", ")}. Try \`/ops help\`.`,
    );
  });

  it("a name with nothing close lists the known names", () => {
    expect(message("deploy", "zzzzzz beta")).toContain("no project `zzzzzz`; known projects: `a1`");
    expect(message("deploy", "a1 beta --force")).toContain(
      "unknown option `--force`; known options: `--dry-run`",
    );
  });

  it("a host of another environment is named with the environment's hosts", () => {
    expect(message("deploy", "a1 beta serverC")).toContain(
      "host `serverC` is not in environment `beta` (its hosts: serverA, serverB)",
    );
  });
});

describe("help", () => {
  it("/ops help lists every command with its usage", () => {
    const result = planCommand("ops", "help", ctx);
    expect(result.ok && result.plan.kind).toBe("help");
    const text = result.ok && result.plan.kind === "help" ? result.plan.text : "";
    for (const c of COMMANDS) expect(text).toContain(c.usage);
  });

  it.each(COMMANDS.map((c) => [c.name]))("/%s help and /ops help %s show usage and examples", (name) => {
    const direct = planCommand(name, "help", ctx);
    expect(planCommand("ops", `help ${name}`, ctx)).toEqual(direct);
    const c = COMMANDS.find((x) => x.name === name);
    const text = direct.ok && direct.plan.kind === "help" ? direct.plan.text : "";
    expect(text).toContain(c?.usage);
    for (const example of c?.examples ?? []) expect(text).toContain(example);
  });
});
