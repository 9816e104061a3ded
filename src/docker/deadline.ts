import { errorMessage, HostUnreachableError } from "../errors.js";
import { onHost } from "./errors.js";

/**
 * A call to one host that gives up after `ms`: a host that does not answer must not hold up a
 * reply about the others. The abandoned request ends on its own with the client's timeout.
 */
export async function withDeadline<T>(host: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HostUnreachableError(host, `no answer within ${Math.round(ms / 100) / 10}s`)),
      ms,
    );
  });
  try {
    return await Promise.race([onHost(host, call), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A host read that failed, as the value a fleet read shows: the reason, short and on one line. */
export function unreachable(host: string, err: unknown): { host: string; reachable: false; reason: string } {
  const reason = err instanceof HostUnreachableError ? err.detail : errorMessage(err).split("\n")[0];
  return { host, reachable: false, reason: (reason ?? "unknown error").slice(0, 80) };
}
