import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { FleetInput } from "../../src/fleet/schema.js";
import { recordOutput } from "./secret-scan.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
// biome-ignore lint/suspicious/noTemplateCurlyInString: a fleet file's ${VAR} reference, not a template
const PASSWORD_REF = "${REGISTRY_PASSWORD}";

/**
 * Writes a fleet file as a user would: the registry password stays a ${VAR} read from the
 * environment, never written to disk.
 */
export function writeFleetFile(fleet: FleetInput): string {
  const dir = mkdtempSync(join(tmpdir(), "dockops-shell-"));
  const file = join(dir, "fleet.yml");
  writeFileSync(file, stringify({ ...fleet, registry: { ...fleet.registry, password: PASSWORD_REF } }));
  return file;
}

export type ShellProcess = {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed on stdout so far. */
  out: () => string;
  err: () => string;
  type: (line: string) => void;
  /** Resolves with the output once `pattern` matches what was printed after `from`. */
  waitFor: (pattern: RegExp, opts?: { from?: number; timeoutMs?: number }) => Promise<string>;
  exited: Promise<number | null>;
};

/** Spawns `tsx src/main.ts ...args` exactly as `npm start -- ...args` does. */
export function spawnShell(args: string[], env: Record<string, string>): ShellProcess {
  const child = spawn(TSX, ["src/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
  });
  let out = "";
  let err = "";
  const wakers: Array<() => void> = [];
  const wake = () => {
    for (const w of wakers.splice(0)) w();
  };
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString("utf8");
    wake();
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString("utf8");
    wake();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      // What the shell printed is chat and log in one: the end-of-run secret scan reads it too.
      recordOutput(`shell-${child.pid}`, `${out}\n${err}`);
      resolve(code);
    }),
  );
  return {
    child,
    out: () => out,
    err: () => err,
    type: (line) => child.stdin.write(`${line}\n`),
    waitFor: async (pattern, o = {}) => {
      const deadline = Date.now() + (o.timeoutMs ?? 60_000);
      while (true) {
        const seen = out.slice(o.from ?? 0);
        if (pattern.test(seen)) return seen;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${pattern} in the shell's output:\n${out}\nstderr:\n${err}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          wakers.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    exited,
  };
}
