import { HostUnreachableError } from "../errors.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOENT",
  "EPIPE",
  "EAI_AGAIN",
]);

/** A connection-level failure (retry may help) rather than Docker refusing the request. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  return (code !== undefined && NETWORK_CODES.has(code)) || /timeout|socket hang up/i.test(err.message);
}

/** Rethrows connection failures as HostUnreachableError naming the host. */
export async function onHost<T>(host: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isConnectionError(err)) {
      throw new HostUnreachableError(host, (err as { code?: string }).code ?? (err as Error).message, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Docker's own message from an API error ("port is already allocated"), without the HTTP noise. */
export function dockerReason(err: unknown): string {
  const json = (err as { json?: { message?: string } })?.json;
  if (json?.message) return json.message;
  return err instanceof Error ? err.message : String(err);
}
