/** One line of what the soak did or injected, with the time since the start. */
export type Entry = { at: number; kind: "op" | "fault" | "note"; text: string };

/** The soak's record of operations and faults, printed around a violation so it can be replayed. */
export class Journal {
  readonly entries: Entry[] = [];
  readonly start = Date.now();

  op(text: string): void {
    this.add("op", text);
  }

  fault(text: string): void {
    this.add("fault", text);
  }

  note(text: string): void {
    this.add("note", text);
  }

  private add(kind: Entry["kind"], text: string): void {
    this.entries.push({ at: Date.now() - this.start, kind, text });
  }

  count(kind: Entry["kind"]): number {
    return this.entries.filter((e) => e.kind === kind).length;
  }

  /** Entries within `windowMs` of the wall-clock time `at` (or all faults when `at` is unknown). */
  around(at: number | undefined, windowMs = 20_000): string[] {
    const rel = at === undefined ? undefined : at - this.start;
    return this.entries
      .filter((e) => (rel === undefined ? e.kind === "fault" : Math.abs(e.at - rel) <= windowMs))
      .map(format);
  }

  faults(): string[] {
    return this.entries.filter((e) => e.kind === "fault").map(format);
  }
}

function format(e: Entry): string {
  return `${(e.at / 1000).toFixed(1).padStart(7)}s ${e.kind.padEnd(5)} ${e.text}`;
}
