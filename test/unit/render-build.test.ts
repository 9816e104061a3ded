import { describe, expect, it } from "vitest";
import type { BuildPlan } from "../../commands/build.js";
import { renderBuild } from "../../src/core/render-build.js";

const plan: BuildPlan = {
  kind: "build",
  project: "a1",
  image: "team/a1",
  ref: "main",
  builder: "serverA",
  deployEnv: "beta",
  requestedBy: "U1",
  channel: "C1",
};
const commit = "0123456789abcdef0123456789abcdef01234567";

describe("the build message", () => {
  it("shows step N of M while it runs, with the instruction escaped", () => {
    expect(
      renderBuild(plan, "build-x1", {
        state: "running",
        progress: { phase: "building", commit, step: 2, steps: 5, instruction: "RUN make <all>" },
      }),
    ).toEqual({
      text: [
        ":hammer_and_wrench: Building *a1* at `main` on *serverA*, requested by <@U1>: step 2 of 5 (commit `0123456`): RUN make &lt;all&gt;",
        "`/job build-x1` shows the build log",
      ].join("\n"),
      progress: "running",
    });
  });

  it("ends with digest, size, duration and a Deploy button that is the /deploy text", () => {
    const done = renderBuild(plan, "build-x1", {
      state: "succeeded",
      result: {
        image: "team/a1",
        tags: ["main-0123456", `sha-${commit}`],
        commit,
        digest: `sha256:${"ab".repeat(32)}`,
        size: 3 * 1024 * 1024,
        durationMs: 65_000,
      },
    });
    expect(done.text).toBe(
      [
        ":white_check_mark: Built *a1:main-0123456* from `main` (commit `0123456`) on *serverA* in 1m05s, requested by <@U1>",
        `Digest \`${"ab".repeat(6)}\`, size 3.0 MB; tags \`main-0123456\`, \`sha-${commit}\``,
      ].join("\n"),
    );
    expect(done.buttons).toEqual([
      { action: "build-deploy", label: "Deploy to beta", value: "a1:main-0123456 beta", style: "primary" },
    ]);
  });

  it("a failure shows the failing step and its last lines as foreign text", () => {
    expect(
      renderBuild(plan, "build-x1", {
        state: "failed",
        reason: "step 3 of 5 (RUN make) failed: exit 2\n> cc: error <here>\n> make: *** [all] Error 1",
      }).text,
    ).toBe(
      [
        ":x: Build of *a1* at `main` on *serverA* failed, requested by <@U1>: step 3 of 5 (RUN make) failed: exit 2",
        "```",
        "cc: error &lt;here&gt;",
        "make: *** [all] Error 1",
        "```",
        "Full log: `/job build-x1`",
      ].join("\n"),
    );
  });
});
