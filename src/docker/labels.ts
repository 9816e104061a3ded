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
  /** 1..n when a host runs several replicas of the project. */
  replica: "dockops.replica",
} as const;

export function projectFilter(project: string, env: string): { label: string[] } {
  return { label: [`${LABEL.managed}=true`, `${LABEL.project}=${project}`, `${LABEL.env}=${env}`] };
}
