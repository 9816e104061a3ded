/**
 * What `environments.<env>.allow` may name: the chat commands that act on an environment, and
 * `lifecycle` for restart, stop and start together. A typo here would silently leave a command
 * open, so the fleet file is refused instead (a unit test keeps this list in step with the
 * commands).
 */
export const ALLOW_KEYS: readonly string[] = [
  "deploy",
  "rollback",
  "promote",
  "scale",
  "exec",
  "lock",
  "unlock",
  "config",
  "restart",
  "stop",
  "start",
  "lifecycle",
  "silence",
  "logs",
  "history",
  "status",
];

/**
 * What the top-level `allow` may name: the commands that act on no environment. `prune`,
 * `proxy` and `cancel` list roles allowed besides their safe default (approvers, a job's requester).
 */
export const FLEET_ALLOW_KEYS: readonly string[] = [
  "cancel",
  "prune",
  "proxy",
  "jobs",
  "job",
  "audit",
  "hosts",
  "images",
  "alerts",
  "build",
];
