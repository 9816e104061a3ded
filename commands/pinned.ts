/** One host of a pinned run: the exact image, config revision and replica count it gets. */
export type PinnedTarget = {
  host: string;
  tag: string;
  digest: string;
  configRevision?: number;
  replicas?: number;
  /** A project with `code`: the commit mounted, pinned with the image. */
  commit?: string;
};

/** What a host ran, by the deploy history, when an approval request was made. */
export type PinnedCurrent = { digest: string; tag: string; replicas?: number };

/**
 * The deploy a rollback, promote or scale stood for when its approval request was made: what
 * the approvers were shown, and what the approved run deploys instead of computing it again.
 */
export type PinnedRun = {
  tag: string;
  via: string;
  targets: PinnedTarget[];
  /** Per target host; a host with nothing on record is absent. */
  current: Record<string, PinnedCurrent>;
  /** The config revision that was the latest at request time (0: none stored). */
  configHead: number;
};
