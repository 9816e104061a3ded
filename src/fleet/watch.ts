import { unwatchFile, watchFile } from "node:fs";
import { readFile } from "node:fs/promises";
import { errorMessage } from "../errors.js";
import { checkFleet, type FleetProblem, fleetDigest, type LoadedFleet } from "./load.js";

export type FleetChange =
  | { ok: true; loaded: LoadedFleet; digest: string }
  | { ok: false; file: string; problems: FleetProblem[]; digest: string };

export type FleetWatchOptions = {
  file: string;
  /** The digest of the text already in force, so an unchanged file is not applied twice. */
  digest: string;
  env?: Record<string, string | undefined>;
  /** How often the file is looked at (stat polling also follows editors that replace the file). */
  intervalMs?: number;
  /** An editor may write in several steps: the text must stay the same this long to count. */
  settleMs?: number;
  onChange: (change: FleetChange) => Promise<void> | void;
  onError?: (message: string) => void;
};

/**
 * Follows one fleet file: each new version of its text is checked and handed over once, valid or
 * not, one at a time and in order. Polling rather than inotify: it sees renames, bind mounts and
 * network file systems alike, and costs one stat a second.
 */
export class FleetWatcher {
  private digest: string;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly listener = () => {
    this.running = this.running.then(() => this.look()).catch(() => {});
  };

  constructor(private readonly opts: FleetWatchOptions) {
    this.digest = opts.digest;
  }

  start(): void {
    watchFile(this.opts.file, { interval: this.opts.intervalMs ?? 1_000, persistent: false }, this.listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    unwatchFile(this.opts.file, this.listener);
    await this.running;
  }

  private async look(): Promise<void> {
    let text = await this.read();
    if (text === undefined) return;
    // Wait until two reads a settle period apart agree, so a half-written file is not judged.
    for (;;) {
      await new Promise((r) => setTimeout(r, this.opts.settleMs ?? 300));
      const again = await this.read();
      if (again === undefined || again === text) break;
      text = again;
    }
    const digest = fleetDigest(text);
    if (digest === this.digest || this.stopped) return;
    this.digest = digest;
    const checked = checkFleet(text, this.opts.file, this.opts.env ?? process.env);
    const change: FleetChange = checked.ok
      ? {
          ok: true,
          loaded: {
            fleet: checked.fleet,
            file: checked.file,
            unsetVariables: checked.unsetVariables,
            digest,
          },
          digest,
        }
      : { ok: false, file: checked.file, problems: checked.problems, digest };
    await this.opts.onChange(change);
  }

  private async read(): Promise<string | undefined> {
    try {
      return await readFile(this.opts.file, "utf8");
    } catch (err) {
      // A file replaced by rename is briefly absent; the next poll sees the new one.
      this.opts.onError?.(`cannot read ${this.opts.file}: ${errorMessage(err)}`);
      return undefined;
    }
  }
}
