/** Every container the bot creates carries these; it finds its containers by them, never by name. */
export const LABEL = {
  managed: "dockops.managed",
  project: "dockops.project",
  env: "dockops.env",
  version: "dockops.version",
  digest: "dockops.digest",
  deploy: "dockops.deploy",
  requestedBy: "dockops.requested-by",
  /** Set by deploys once config revisions exist; read by /status. */
  configRevision: "dockops.config-revision",
  /** The git commit whose files the container mounts (a project with `code`). */
  commit: "dockops.code-commit",
  /** On a code volume: the project whose code it holds (pruned per project). */
  codeProject: "dockops.code-project",
  /** 1..n when a host runs several replicas of the project. */
  replica: "dockops.replica",
} as const;

/** The config revision a container was started with (its label), if it has a valid one. */
export function configRevisionOf(labels: Record<string, string> | undefined): number | undefined {
  const value = labels?.[LABEL.configRevision];
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/** The same as a list, as secret masking takes it: the revisions whose secrets the container holds. */
export function revisionsInUse(labels: Record<string, string> | undefined): number[] {
  const revision = configRevisionOf(labels);
  return revision === undefined ? [] : [revision];
}

export function projectFilter(project: string, env: string): { label: string[] } {
  return { label: [`${LABEL.managed}=true`, `${LABEL.project}=${project}`, `${LABEL.env}=${env}`] };
}
