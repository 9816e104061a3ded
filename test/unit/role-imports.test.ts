import { fileURLToPath } from "node:url";
import madge from "madge";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a process loads before it knows its role: main and the runtime, dynamic imports left out. */
async function loadedByEveryRole(): Promise<string[]> {
  const graph = await madge([`${ROOT}src/main.ts`], {
    baseDir: ROOT,
    fileExtensions: ["ts"],
    includeNpm: true,
    tsConfig: `${ROOT}tsconfig.json`,
    detectiveOptions: {
      ts: { skipTypeImports: true, skipAsyncImports: true },
      es6: { skipTypeImports: true, skipAsyncImports: true },
    },
  });
  const deps = graph.obj();
  return [...new Set([...Object.keys(deps), ...Object.values(deps).flat()])];
}

describe("what every role loads", () => {
  // Each library here costs a process megabytes of RSS (Slack ~14 MB, dockerode ~10 MB): a role
  // loads it when it starts, so a worker holds no Slack and a bot no Docker client.
  it("is none of Slack, Docker, the queue, the worker's or the monitor's code", {
    timeout: 60_000,
  }, async () => {
    const modules = await loadedByEveryRole();
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
