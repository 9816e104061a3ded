import { readFileSync } from "node:fs";

/** dockops' version from package.json: beside src/ when run from source, above dist/ when built. */
export function dockopsVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "dockops" && pkg.version) return pkg.version;
    } catch {
      // Not there in this layout; try the next.
    }
  }
  return "unknown";
}
