/** What an approval message says about a plan: a one-line title and detail lines. */
export type Shown = { title: string; lines: string[] };

/** What the approvers were shown, so Approve runs exactly that or nothing. */
export type Pinned = {
  digest?: string;
  /** Set when `digest` is what this tag resolved to at request time (re-checked at approval). */
  tag?: string;
  configRevision?: number;
};
