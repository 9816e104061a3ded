import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ExecPlan } from "../../commands/exec.js";
import { planCommand } from "../../commands/index.js";
import type { LogsPlan } from "../../commands/logs.js";
import { renderAudit } from "../../src/audit/render-audit.js";
import { renderExec } from "../../src/core/exec-service.js";
import { renderLogs } from "../../src/core/logs-service.js";
import { renderJob } from "../../src/core/render-jobs.js";
import { codeTable } from "../../src/core/table.js";
import { parseFleet } from "../../src/fleet/load.js";
import { renderAlert } from "../../src/monitor/render-alert.js";
import { plainText } from "../../src/shell/plain-text.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const planned = planCommand("logs", "a1 beta", { fleet, user: "U1", channel: "C1" });
const logsPlan = (planned.ok ? planned.plan : undefined) as LogsPlan;
const HOSTILE = "<!channel> <https://evil.example|re-auth> & more";
const ESCAPED = "&lt;!channel&gt; &lt;https://evil.example|re-auth&gt; &amp; more";

describe("a secret is masked on the raw text, before anything else changes it", () => {
  const secret = "Zq8`Lm3#Pw9xR2";

  it("/logs masks a secret that contains a backtick, inline and in the uploaded file", () => {
    const host = { host: "serverA", ok: true as const, container: { name: "a1-beta-1", state: "running" } };
    const inline = renderLogs(logsPlan, [{ ...host, lines: [`API_TOKEN=${secret}`] }], [secret]);
    expect(inline.inline).toBe(true);
    expect(inline.text).toContain("API_TOKEN=••••R2");
    const many = Array.from({ length: 50 }, (_, i) => `${i} API_TOKEN=${secret}`);
    const file = renderLogs(logsPlan, [{ ...host, lines: many }], [secret]);
    expect(file.inline).toBe(false);
    for (const out of [inline.text, inline.file, file.file]) {
      expect(out).not.toContain("Lm3#Pw9");
    }
  });
});

describe("foreign text is escaped for Slack's mrkdwn (&, <, >)", () => {
  it("in /logs inline, while the uploaded file keeps the text as it was", () => {
    const out = renderLogs(
      logsPlan,
      [{ host: "serverA", ok: true, container: { name: "a1-beta-1", state: "running" }, lines: [HOSTILE] }],
      [],
    );
    expect(out.text).toContain(ESCAPED);
    expect(out.text).not.toContain("<!channel>");
    expect(out.file).toContain(HOSTILE);
    expect(plainText(out.text)).toContain(HOSTILE);
  });

  it("in a host's error in /logs", () => {
    const out = renderLogs(logsPlan, [{ host: "serverB", ok: false, reason: `bad <!here>` }], []);
    expect(out.text).toContain("*serverB: bad &lt;!here&gt;*");
  });

  it("in exec output, the command and a worker's failure", () => {
    const plan = { argv: ["echo", "<!here>"], host: "serverA" } as ExecPlan;
    const text = renderExec(plan, {
      container: "a1-beta-1",
      exitCode: 0,
      output: `${HOSTILE}\n`,
      truncated: false,
      timedOut: false,
      durationMs: 3,
    });
    expect(text).toBe(
      `\`echo &lt;!here&gt;\` in \`a1-beta-1\` on *serverA* — :white_check_mark: exit 0\n\`\`\`\n${ESCAPED}\n\`\`\``,
    );
    expect(plainText(text)).toContain(HOSTILE);
  });

  it("in alert log lines", () => {
    const text = renderAlert({
      meta: { id: "a1", channel: "C1", ts: "1.1", host: "serverA", env: "beta", openedAt: 1, postedAt: 1 },
      items: [
        {
          key: "k",
          kind: "exited",
          host: "serverA",
          project: "a1",
          env: "beta",
          detail: "container `a1-beta-x` exited",
          output: [HOSTILE],
          eventAt: 1,
        },
      ],
    }).text;
    expect(text).toContain(ESCAPED);
    expect(text).not.toContain("<!channel>");
  });

  it("in what a user typed and in job failures shown by /audit", () => {
    const text = renderAudit(
      [
        { id: "1-0", at: 0, type: "command", action: "usage", user: "U1", text: "/deploy <!channel>" },
        { id: "2-0", at: 0, type: "job", action: "failed", text: "deploy", detail: "pull <x> failed" },
        { id: "3-0", at: 0, type: "denied", action: "deploy", detail: "only <@ULEAD> may approve" },
      ],
      {},
    ).text;
    expect(text).toContain("<@U1>");
    expect(text).toContain("`/deploy &lt;!channel&gt;`");
    expect(text).toContain("— pull &lt;x&gt; failed");
    expect(text).toContain("— only <@ULEAD> may approve");
  });

  it("in /job's error and log lines", () => {
    const text = renderJob(
      {
        id: "j1",
        name: "deploy",
        what: "deploy",
        state: "failed",
        attempts: 1,
        maxAttempts: 3,
        queuedAt: 0,
        failedReason: "registry said <!channel>",
        data: {},
      } as unknown as Parameters<typeof renderJob>[0],
      ["pulled <image>"],
      undefined,
    );
    expect(text).toContain("Failed: registry said &lt;!channel&gt;");
    expect(text).toContain("pulled &lt;image&gt;");
  });

  it("in what a user typed, echoed in a usage message", () => {
    const result = planCommand("deploy", "a1:<!channel> beta", { fleet, user: "U1", channel: "C1" });
    expect(result.ok ? "" : result.message).toContain("`&lt;!channel&gt;` is not a valid image tag");
  });

  it("in table cells, padded by what Slack shows", () => {
    const table = codeTable(
      ["IMAGE", "STATE"],
      [
        ["a<b>", "up"],
        ["abcd", "down"],
      ],
    );
    expect(table).toBe(["```", "IMAGE  STATE", "a&lt;b&gt;   up", "abcd   down", "```"].join("\n"));
    expect(plainText(table)).toBe(["IMAGE  STATE", "a<b>   up", "abcd   down"].join("\n"));
  });
});
