import { describe, expect, it } from "vitest";
import { BuildOutput } from "../../worker/build/build-output.js";
import { buildTags } from "../../worker/build/build-tags.js";
import { withoutCredentials } from "../../worker/build/fetch-source.js";

describe("the build stream", () => {
  it("tracks the step and reports the failing one with its last lines", () => {
    const out = new BuildOutput();
    const lines = [
      { stream: "Step 1/3 : FROM local/busybox:1\n" },
      { stream: " ---> 1a2b3c\n" },
      { stream: "Step 2/3 : RUN echo compiling && exit 4\n" },
      { stream: " ---> Running in 9f8e\n" },
      { stream: "compiling\n" },
      {
        errorDetail: {
          message: "The command '/bin/sh -c echo compiling && exit 4' returned a non-zero code: 4",
        },
        error: "The command '/bin/sh -c echo compiling && exit 4' returned a non-zero code: 4",
      },
    ].flatMap((e) => out.feed(e));
    expect(lines).toContain("compiling");
    expect([out.step, out.steps, out.instruction]).toEqual([2, 3, "RUN echo compiling && exit 4"]);
    expect(out.failure()).toBe(
      [
        "step 2 of 3 (RUN echo compiling && exit 4) failed: The command '/bin/sh -c echo compiling && exit 4' returned a non-zero code: 4",
        "> compiling",
      ].join("\n"),
    );
  });
});

describe("build tags", () => {
  const commit = "0123456789abcdef0123456789abcdef01234567";
  it("default to <ref>-<short sha> plus sha-<commit>", () => {
    expect(buildTags("main", commit)).toEqual(["main-0123456", `sha-${commit}`]);
    expect(buildTags("feature/login", commit)).toEqual(["feature-login-0123456", `sha-${commit}`]);
    expect(buildTags("main", commit, "v1.5")).toEqual(["v1.5", `sha-${commit}`]);
  });
});

describe("git messages", () => {
  it("never show a password in a repository URL", () => {
    expect(withoutCredentials("fatal: could not read from https://bot:s3cret@git.example.com/a.git")).toBe(
      "fatal: could not read from https://***@git.example.com/a.git",
    );
  });
});
