/**
 * The ways a secret commonly appears in output besides verbatim: inside a JSON string (a
 * structured log line, once or logged again inside another), URL-encoded (a connection string,
 * a query parameter, a form body; upper- or lower-case hex, `+` for spaces).
 */
export function encodedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const url = encodeURIComponent(secret);
  const forms = [
    json,
    JSON.stringify(json).slice(1, -1),
    url,
    url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    url.replace(/%20/g, "+"),
    // encodeURIComponent leaves these alone; strict encoders (and form bodies) escape them.
    url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  ];
  return [...new Set(forms)].filter((form) => form !== secret);
}

/** A run of base64 (standard or URL-safe) long enough to hold a short secret. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{6,}={0,2}/g;

/**
 * Replaces every base64 run whose decoded bytes contain a secret — the secret alone, or inside
 * something larger such as HTTP Basic's `user:secret` — with `••••`. Decoding finds the secret
 * wherever it sits in the encoded text; comparing encodings would depend on its byte offset.
 */
export function maskBase64(text: string, secrets: readonly string[]): string {
  const wanted = secrets.filter((s) => s.length >= 3).map((s) => Buffer.from(s, "utf8"));
  if (wanted.length === 0) return text;
  return text.replace(BASE64_RUN, (run) => {
    const decoded = Buffer.from(run.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return wanted.some((secret) => decoded.includes(secret)) ? "••••" : run;
  });
}
