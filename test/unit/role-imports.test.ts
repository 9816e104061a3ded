import { describe, expect, it } from "vitest";
import { runtimeModules } from "../support/import-graph.js";

describe("what every role loads", () => {
  // Each library here costs a process megabytes of RSS (Slack ~14 MB, dockerode ~10 MB): a role
  // loads it when it starts, so a worker holds no Slack and a bot no Docker client.
  it("is none of Slack, Docker, the queue, the worker's or the monitor's code", {
    timeout: 60_000,
  }, async () => {
    // What a process loads before it knows its role: main and the runtime, `import()` left out.
    const modules = await runtimeModules(["src/main.ts"], { atStart: true });
    // The graph is real: it reaches the runtime and the fleet file's loader.
    expect(modules).toEqual(expect.arrayContaining(["src/runtime.ts", "src/fleet/load.ts"]));
    const roleOnly = modules.filter(
      (m) =>
        /node_modules\/(@slack|dockerode|bullmq)\//.test(m) ||
        /^(worker|src\/monitor|src\/docker|src\/slack\/(app|start-slack|extras))\b/.test(m),
    );
    expect(roleOnly).toEqual([]);
  });
});
