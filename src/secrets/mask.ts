import { encodedForms, maskBase64 } from "./encoded-forms.js";

/** How a secret looks in chat: never more than its last 2 characters. */
export function maskValue(value: string): string {
  return value.length >= 8 ? `••••${value.slice(-2)}` : "••••";
}

/**
 * Replaces every occurrence of each secret value in `text` (container logs, error output) —
 * verbatim, JSON-escaped, URL-encoded or base64-encoded (see `encoded-forms.ts`). Call it on the
 * raw text, before anything else changes it: a secret with a backtick no longer matches once the
 * backtick became a quote.
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  const usable = secrets.filter((s) => s.length >= 3);
  const forms = usable.flatMap((secret) =>
    [secret, ...encodedForms(secret)].map((form) => ({ form, secret })),
  );
  let out = text;
  // Longest first: a secret that contains another must be replaced whole.
  for (const { form, secret } of forms.sort((a, b) => b.form.length - a.form.length)) {
    if (out.includes(form)) out = out.split(form).join(maskValue(secret));
  }
  return maskBase64(out, usable);
}
