/**
 * Faults, as opposed to user mistakes (those are `Usage` values in commands/).
 * Each carries a code for logs and metrics, and a message that says what to do next.
 */
export type ErrorCode =
  | "config_invalid"
  | "host_unreachable"
  | "registry_error"
  | "deploy_failed"
  | "queue_unavailable"
  | "state_moved";

export class OpsError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OpsError";
  }
}

/** The fleet file or the process environment is wrong; start-up stops. */
export class ConfigError extends OpsError {
  constructor(message: string) {
    super("config_invalid", message);
    this.name = "ConfigError";
  }
}

/** A Docker host did not answer in time or refused the connection. */
export class HostUnreachableError extends OpsError {
  constructor(
    readonly host: string,
    /** The short reason ("ECONNREFUSED", "no answer within 5s"), for tables. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      "host_unreachable",
      `host ${host} is unreachable (${detail}); check that its Docker daemon runs and the fleet file's address is right`,
      options,
    );
    this.name = "HostUnreachableError";
  }
}

/** The registry refused, or does not know the image or tag. */
export class RegistryError extends OpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("registry_error", message, options);
    this.name = "RegistryError";
  }
}

/** The new container did not become healthy; the previous one keeps serving. */
export class DeployFailedError extends OpsError {
  constructor(message: string) {
    super("deploy_failed", message);
    this.name = "DeployFailedError";
  }
}

export class QueueUnavailableError extends OpsError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      "queue_unavailable",
      `the job queue (Redis) is unavailable: ${detail}; nothing was started, try again when Redis is back`,
      options,
    );
    this.name = "QueueUnavailableError";
  }
}

/** What an approved request was shown changed before it ran; nothing was done. */
export class StateMovedError extends OpsError {
  constructor(detail: string) {
    super("state_moved", `${detail}; nothing was changed — ask again so the approvers see the current state`);
    this.name = "StateMovedError";
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
