import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A TCP port the OS says is free on 127.0.0.1 right now. */
export async function localFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type RedisServer = { child: ChildProcess; url: string; kill: () => Promise<void> };

/**
 * A throwaway redis-server with AOF on (`appendfsync` default everysec), for tests that kill and
 * restart Redis: the fleet's Redis is shared by every test file and must never be restarted.
 * Starting again on the same `dir` replays its AOF.
 */
export async function startRedisServer(opts: {
  port: number;
  dir: string;
  fsync?: "always" | "everysec";
  /** More redis-server arguments (e.g. `--replicaof`). */
  extra?: string[];
}): Promise<RedisServer> {
  const args = ["--port", String(opts.port), "--bind", "127.0.0.1", "--dir", opts.dir, "--appendonly", "yes"];
  const more = ["--appendfsync", opts.fsync ?? "everysec", "--save", "", ...(opts.extra ?? [])];
  return spawnUntil("redis-server", [...args, ...more], "Ready to accept connections", opts.port);
}

/** Starts a Redis binary and waits for the line that says it serves; SIGKILL stops it. */
export async function spawnUntil(
  command: string,
  args: string[],
  ready: string,
  port: number,
): Promise<RedisServer> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${command} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
