import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderHome } from "../../src/core/home.js";
import { parseFleet } from "../../src/fleet/load.js";
import { deployModal, modalToCommand, newestFirst } from "../../src/slack/deploy-modal.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);

describe("the /deploy modal", () => {
  it("orders tags newest first", () => {
    expect(newestFirst(["v1", "v10", "latest", "v2", "v1.2"])).toEqual(["latest", "v10", "v2", "v1.2", "v1"]);
  });

  it("offers the registry's tags per project, or free text when the registry failed", () => {
    const listed = deployModal(fleet, { a1: ["v1", "v2"], site: ["v1"] }, "C1");
    const tagBlock = listed.blocks.find((b) => b.block_id === "tag") as unknown as {
      element: Record<string, unknown>;
    };
    expect(tagBlock.element.type).toBe("static_select");
    expect(JSON.stringify(tagBlock.element.option_groups)).toContain('"value":"a1:v2"');
    expect(listed.private_metadata).toBe('{"channel":"C1"}');
    const failed = deployModal(fleet, { a1: undefined }, "C1");
    const free = failed.blocks.find((b) => b.block_id === "tag") as unknown as {
      element: Record<string, unknown>;
    };
    expect(free.element.type).toBe("plain_text_input");
  });

  it("turns the submission into the text of a typed /deploy", () => {
    const sel = (value: string) => ({ value: { selected_option: { value } } });
    expect(
      modalToCommand({ project: sel("a1"), env: sel("beta"), host: sel("serverA"), tag: sel("a1:v2") }),
    ).toEqual({ ok: true, text: "a1:v2 beta serverA" });
    expect(
      modalToCommand({
        project: sel("a1"),
        env: sel("beta"),
        host: sel("all"),
        tag: { value: { value: " v3 " } },
      }),
    ).toEqual({ ok: true, text: "a1:v3 beta all" });
    expect(
      modalToCommand({ project: sel("a1"), env: sel("beta"), host: sel("all"), tag: sel("b2:v1") }),
    ).toEqual({
      ok: false,
      block: "tag",
      message: "that tag is one of b2's; pick a tag under a1",
    });
  });
});

describe("App Home", () => {
  it("shows the environments and the latest deploys with their outcome", () => {
    const now = 1_000_000_000;
    const meta = { project: "a1", env: "beta", hosts: ["serverA"], requestedBy: "U1", channel: "C1" };
    const home = renderHome(
      fleet,
      [
        {
          meta: { ...meta, id: "d2", tag: "v2", createdAt: now - 120_000 },
          hosts: { serverA: { state: "failed" } },
        },
        {
          meta: { ...meta, id: "d1", tag: "v1", createdAt: now - 7_200_000 },
          hosts: { serverA: { state: "succeeded" } },
        },
      ],
      now,
    );
    expect(home.text).toContain("• *prod*: serverB, serverC (needs approval)");
    expect(home.text).toContain(":x: *a1:v2* → *beta* on serverA, by <@U1>, 2m ago");
    expect(home.text).toContain(":white_check_mark: *a1:v1* → *beta* on serverA, by <@U1>, 2h ago");
  });
});
