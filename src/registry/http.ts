import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export type HttpOptions = {
  method: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** PEM of the CA that signed the server's certificate, besides the system's roots. */
  ca?: string;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * One HTTP(S) exchange as a fetch `Response`, with node's own client: global fetch takes no CA,
 * and an internal-CA registry must not force plain HTTP. Follows redirects (blob downloads go to
 * storage) like fetch does, and never carries Authorization to another origin.
 */
export async function send(url: URL, opts: HttpOptions): Promise<Response> {
  let current = url;
  let headers = opts.headers;
  for (let hop = 0; ; hop++) {
    const res = await once(current, { ...opts, headers });
    const location = res.headers.get("location");
    if (!REDIRECTS.has(res.status) || !location || hop >= MAX_REDIRECTS) return res;
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      const { Authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    current = next;
  }
}

function once(url: URL, opts: HttpOptions): Promise<Response> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === "https:";
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: opts.method,
        headers: opts.headers,
        ...(https && opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
          }
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 502;
          const empty = body.length === 0 || [204, 205, 304].includes(status);
          resolve(new Response(empty ? null : body, { status, headers }));
        });
      },
    );
    // The whole exchange, not just each socket read, must finish in time (as fetch's
    // AbortSignal.timeout did): a registry that trickles bytes must not hold a deploy.
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    req.on("close", () => clearTimeout(deadline));
    req.on("error", reject);
    req.end();
  });
}
