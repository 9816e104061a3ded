import { execFile } from "node:child_process";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";

/** A git URL without any `user:password@` it may carry, for messages and logs. */
export function withoutCredentials(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, "$1***@");
}

function git(args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      // Never wait for a password prompt: a private repository without credentials fails at once.
      { cwd, timeout: timeoutMs, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" }, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(
            new Error(
              "git is not installed on the worker's machine; install it (Debian: apt-get install git)",
            ),
          );
        }
        const why = stderr.trim().split("\n").slice(-3).join(" ") || err.message;
        reject(new Error(`git ${args[0]} failed: ${withoutCredentials(why)}`));
      },
    );
  });
}

/**
 * Fetches only the commit at `ref` (depth 1) into the empty folder `dir` and checks it out;
 * returns the full commit id. A local path becomes a file:// URL, since git ignores --depth for
 * plain paths.
 */
export async function fetchSource(
  repo: string,
  ref: string,
  dir: string,
  timeoutMs = 300_000,
): Promise<string> {
  const url = isAbsolute(repo) ? pathToFileURL(repo).href : repo;
  await git(["init", "--quiet"], dir, timeoutMs);
  await git(["fetch", "--quiet", "--depth", "1", "--no-tags", "--", url, ref], dir, timeoutMs);
  await git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], dir, timeoutMs);
  return git(["rev-parse", "HEAD"], dir, timeoutMs);
}

/** Writes the checked-out tree of `dir` (without `.git`) as a tar file, modes and links kept. */
export async function archiveCheckout(dir: string, file: string, timeoutMs = 300_000): Promise<void> {
  await git(["archive", "--format=tar", "-o", file, "HEAD"], dir, timeoutMs);
}
