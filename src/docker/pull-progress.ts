/** One event of Docker's pull stream (`docker pull` prints the same). */
export type PullEvent = {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
};

const LAYER_STATES = new Set([
  "Pulling fs layer",
  "Waiting",
  "Downloading",
  "Verifying Checksum",
  "Download complete",
  "Extracting",
  "Pull complete",
  "Already exists",
]);
const DONE = new Set(["Pull complete", "Already exists"]);

/** Folds the pull stream into one line: "pulling image (3/5 layers, 12.0/40.3 MB)". */
export class PullTracker {
  private readonly layers = new Map<string, { done: boolean; current: number; total: number }>();

  add(event: PullEvent): string | undefined {
    if (!event.id || !event.status || !LAYER_STATES.has(event.status)) return undefined;
    const layer = this.layers.get(event.id) ?? { done: false, current: 0, total: 0 };
    if (DONE.has(event.status)) layer.done = true;
    if (event.status === "Downloading" && event.progressDetail) {
      layer.current = event.progressDetail.current ?? layer.current;
      layer.total = event.progressDetail.total ?? layer.total;
    }
    if (event.status === "Download complete") layer.current = layer.total;
    this.layers.set(event.id, layer);
    return this.summary();
  }

  summary(): string {
    const all = [...this.layers.values()];
    const done = all.filter((l) => l.done).length;
    const total = all.reduce((n, l) => n + l.total, 0);
    const current = all.reduce((n, l) => n + (l.done ? l.total : l.current), 0);
    const mb = (n: number) => (n / 1_000_000).toFixed(1);
    const bytes = total > 0 ? `, ${mb(current)}/${mb(total)} MB` : "";
    return `pulling image (${done}/${all.length} layers${bytes})`;
  }
}
