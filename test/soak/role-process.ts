import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * One dockops process (`src/main.ts <role>`) that the soak can SIGKILL and start again. Its
 * output goes to a file in the run directory, which the checker scans for secrets.
 */
export class RoleProcess {
  readonly name: string;
  readonly logFile: string;
  private child?: ChildProcess;
  private out: WriteStream;
  private recent = "";
  private starts = 0;

  constructor(
    readonly role: "bot" | "worker" | "monitor",
    dir: string,
    private readonly env: Record<string, string>,
    n?: number,
  ) {
    this.name = n === undefined ? role : `${role}${n}`;
    this.logFile = join(dir, `${this.name}.log`);
    this.out = createWriteStream(this.logFile, { flags: "a" });
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the process and waits for its start-up line. A process that exits at start-up (its
   * Redis check fails while the soak has Redis down) is started again until `timeoutMs`.
   */
  async start(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.alive) return;
      if (await this.spawnOnce(deadline)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not start:\n${this.recent.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  private async spawnOnce(deadline: number): Promise<boolean> {
    this.starts += 1;
    this.recent = "";
    // node itself, not the tsx wrapper: a SIGKILL must hit the process that does the work.
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", this.role], {
      cwd: ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const onData = (d: Buffer) => {
      this.out.write(d);
      this.recent = (this.recent + d.toString()).slice(-20_000);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const ready = `${this.role} started`;
    while (!this.recent.includes(ready)) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  /** How many times the process was spawned (restarts after faults included). */
  get spawned(): number {
    return this.starts;
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  /** SIGTERM and wait (a clean shutdown at the end of the soak). */
  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    await new Promise<void>((resolve) => this.out.end(resolve));
  }
}
