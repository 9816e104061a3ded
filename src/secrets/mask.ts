/** How a secret looks in chat: never more than its last 2 characters. */
export function maskValue(value: string): string {
  return value.length >= 8 ? `••••${value.slice(-2)}` : "••••";
}

/** Replaces every occurrence of each secret value in `text` (container logs, error output). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 3) out = out.split(secret).join(maskValue(secret));
  }
  return out;
}
