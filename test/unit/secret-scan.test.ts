import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordOutput, registerSecret, scanRun, startRun } from "../support/secret-scan.js";

describe("the end-of-run secret scan", () => {
  it("finds a registered secret in a recorded output, plain, JSON-escaped, URL-encoded or base64, and nothing else", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "scan-")), "run");
    const saved = process.env.DOCKOPS_TEST_RUN_DIR;
    try {
      startRun(dir);
      registerSecret('pa"ss-w0rd');
      recordOutput("clean-log", '{"msg":"deploy ok","password":"[redacted]"}');
      expect(scanRun(dir)).toEqual([]);
      recordOutput("leaky-slack", JSON.stringify({ text: 'DB_PASSWORD=pa"ss-w0rd' }));
      expect(scanRun(dir)).toEqual(["leaky-slack.out contains the secret pa…"]);
      recordOutput("leaky-upload", `url=https://x/?p=${encodeURIComponent('pa"ss-w0rd')}`);
      recordOutput("leaky-log", `auth ${Buffer.from('pa"ss-w0rd').toString("base64")}`);
      expect(scanRun(dir).sort()).toEqual([
        "leaky-log.out contains the secret pa…",
        "leaky-slack.out contains the secret pa…",
        "leaky-upload.out contains the secret pa…",
      ]);
    } finally {
      if (saved === undefined) delete process.env.DOCKOPS_TEST_RUN_DIR;
      else process.env.DOCKOPS_TEST_RUN_DIR = saved;
    }
  });
});
