/**
 * The names the proxy dials for a project behind it. A deploy switches the proxy by handing these
 * names from the old containers to the new ones (`docker rename`): Caddy finds them through
 * Docker's DNS, so the switch needs no config reload, and a reload is what resets connections
 * (Caddy 2.6 reopens its listening sockets at every reload).
 */
export function liveName(project: string, env: string, replica = 1): string {
  const base = `${project}-${env}-live`;
  return replica > 1 ? `${base}-r${replica}` : base;
}

/** The dial addresses of a route whose project runs `replicas` containers behind the proxy. */
export function liveUpstreams(project: string, env: string, replicas: number, target: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${liveName(project, env, i + 1)}:${target}`);
}

/** Whether a container name is one of a project's live names (any replica). */
export function isLiveName(name: string, project: string, env: string): boolean {
  const base = liveName(project, env);
  return name === base || (name.startsWith(`${base}-r`) && /^\d+$/.test(name.slice(base.length + 2)));
}

/** How long Caddy keeps an answer of Docker's DNS: the old containers may get requests this long. */
export const DNS_REFRESH_MS = 1_000;
