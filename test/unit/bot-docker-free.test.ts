import { describe, expect, it } from "vitest";
import { runtimeModules } from "../support/import-graph.js";

/** What `startRuntime` builds for the bot role (src/runtime.ts), and nothing of the other roles. */
const BOT_ROLE = [
  "src/wiring/bot-core.ts",
  "src/slack/start-slack.ts",
  "src/slack/extras.ts",
  "src/shell/shell-chat.ts",
  "src/core/deploy-watcher.ts",
  "src/audit/job-audit.ts",
  "src/queue/queues.ts",
];

describe("the bot role's code", () => {
  // src/docker is the Docker access layer (clients, reads, pulls, stops): the bot loads none of it.
  it("loads no Docker access: neither dockerode nor anything of src/docker", {
    timeout: 60_000,
  }, async () => {
    const modules = await runtimeModules(BOT_ROLE);
    // The graph is real: it reaches the core and the queue the bot does use.
    expect(modules).toEqual(
      expect.arrayContaining(["src/core/status-service.ts", "src/queue/host-reads.ts"]),
    );
    expect(modules.filter((m) => m.includes("dockerode") || m.startsWith("src/docker/"))).toEqual([]);
  });

  it("while the runtime, which also starts workers and monitors, does (the check sees them)", {
    timeout: 60_000,
  }, async () => {
    const modules = await runtimeModules(["src/runtime.ts"]);
    expect(modules).toContain("src/docker/connect.ts");
    expect(modules.some((m) => m.includes("dockerode"))).toBe(true);
  });
});
