import { fileURLToPath } from "node:url";
import madge from "madge";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Every module the files load at run time (type-only imports are erased by the compiler), as
 * paths from the repository root; `atStart` leaves out what is loaded later by `import()`.
 */
export async function runtimeModules(files: string[], opts: { atStart?: boolean } = {}): Promise<string[]> {
  const skip = { skipTypeImports: true, ...(opts.atStart ? { skipAsyncImports: true } : {}) };
  const graph = await madge(
    files.map((f) => `${ROOT}${f}`),
    {
      baseDir: ROOT,
      fileExtensions: ["ts"],
      includeNpm: true,
      tsConfig: `${ROOT}tsconfig.json`,
      detectiveOptions: { ts: skip, es6: skip },
    },
  );
  const deps = graph.obj();
  return [...new Set([...Object.keys(deps), ...Object.values(deps).flat()])];
}
