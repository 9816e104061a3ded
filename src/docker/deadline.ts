import { HostUnreachableError } from "../errors.js";
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
