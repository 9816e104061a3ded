/**
 * Whether a request to `target` may carry the registry's credentials: always over HTTPS, and
 * over plain HTTP only to the registry's own host (the operator chose `insecure` for that one
 * host; a token realm or redirect elsewhere must not get the password in clear).
 */
export function mayCarryCredentials(target: URL, registry: string): boolean {
  if (target.protocol === "https:") return true;
  return target.hostname === new URL(`http://${registry}`).hostname;
}
