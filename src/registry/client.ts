import { readFileSync } from "node:fs";
import { ConfigError, errorMessage, RegistryError } from "../errors.js";
import type { RegistrySpec } from "../fleet/schema.js";
import { DIGEST_PATTERN } from "../names.js";
import { mayCarryCredentials } from "./credentials-policy.js";
import { send } from "./http.js";

const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

type Manifest = {
  config?: { digest?: string; size?: number };
  layers?: Array<{ size?: number }>;
  manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
};

export type ImageInfo = {
  tag: string;
  digest: string;
  /** Build time, epoch ms. */
  created?: number;
  /** Bytes of the config and the compressed layers: what a pull transfers at most. */
  size?: number;
};

/** The manifest's config and layer sizes added up, when it lists them. */
function manifestSize(m: Manifest): number | undefined {
  const sizes = [m.config?.size, ...(m.layers ?? []).map((l) => l.size)];
  return sizes.every((s) => typeof s === "number")
    ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0)
    : undefined;
}

/** Node's messages for a server certificate that no trusted CA signed. */
const UNTRUSTED_CERT = /self[- ]signed|unable to (verify|get)|certificate/i;

/**
 * The Registry HTTP API v2, just the parts the bot needs. Handles both basic auth and the
 * bearer-token challenge that hosted registries answer with. HTTPS trusts the system's roots
 * plus `registry.ca`; credentials go over plain HTTP only to the registry's own host.
 */
export class RegistryClient {
  private readonly base: string;
  private readonly ca: string | undefined;

  constructor(
    private readonly spec: RegistrySpec,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = `${spec.insecure ? "http" : "https"}://${spec.url}`;
    this.ca = spec.ca === undefined ? undefined : readCa(spec.ca);
  }

  /** The reference Docker pulls: registry/repository@digest. */
  reference(repository: string, digest: string): string {
    return `${this.spec.url}/${repository}@${digest}`;
  }

  /** Auth for `docker pull`; never logged, never put in a job. */
  authConfig(): { username: string; password: string; serveraddress: string } | undefined {
    if (!this.spec.username) return undefined;
    return { username: this.spec.username, password: this.spec.password ?? "", serveraddress: this.spec.url };
  }

  /** GET /v2/: the registry answers, over the protocol the fleet file says, and takes the credentials. */
  async ping(): Promise<void> {
    const res = await this.request("/v2/", "GET", {});
    if (!res.ok) throw new RegistryError(`registry ${this.spec.url} answered ${res.status} at /v2/`);
  }

  async resolveDigest(repository: string, tag: string): Promise<string> {
    const res = await this.request(`/v2/${repository}/manifests/${encodeURIComponent(tag)}`, "HEAD", {
      Accept: MANIFEST_TYPES,
    });
    if (res.status === 404) {
      throw new RegistryError(`${repository}:${tag} is not in the registry ${this.spec.url}; push it first`);
    }
    if (!res.ok)
      throw new RegistryError(`registry ${this.spec.url} answered ${res.status} for ${repository}:${tag}`);
    const digest = res.headers.get("docker-content-digest") ?? "";
    if (!DIGEST_PATTERN.test(digest)) {
      throw new RegistryError(`registry ${this.spec.url} gave no usable digest for ${repository}:${tag}`);
    }
    return digest;
  }

  async listTags(repository: string): Promise<string[]> {
    const res = await this.request(`/v2/${repository}/tags/list`, "GET", {});
    if (res.status === 404) return [];
    if (!res.ok)
      throw new RegistryError(`registry ${this.spec.url} answered ${res.status} listing ${repository}`);
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  /**
   * A tag's digest (the one `resolveDigest` gives, so it matches deployed containers' labels)
   * and its build time from the image config. For a multi-platform index, linux/amd64's config.
   */
  async imageInfo(repository: string, tag: string): Promise<ImageInfo> {
    const manifestPath = (ref: string) => `/v2/${repository}/manifests/${encodeURIComponent(ref)}`;
    const res = await this.request(manifestPath(tag), "GET", { Accept: MANIFEST_TYPES });
    if (!res.ok)
      throw new RegistryError(`registry ${this.spec.url} answered ${res.status} for ${repository}:${tag}`);
    const digest = res.headers.get("docker-content-digest") ?? "";
    let manifest = (await res.json()) as Manifest;
    if (manifest.manifests) {
      const pick =
        manifest.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64") ??
        manifest.manifests[0];
      if (!pick || !DIGEST_PATTERN.test(pick.digest)) return { tag, digest };
      const sub = await this.request(manifestPath(pick.digest), "GET", { Accept: MANIFEST_TYPES });
      if (!sub.ok) return { tag, digest };
      manifest = (await sub.json()) as Manifest;
    }
    const size = manifestSize(manifest);
    const known = { tag, digest, ...(size !== undefined ? { size } : {}) };
    const config = manifest.config?.digest ?? "";
    if (!DIGEST_PATTERN.test(config)) return known;
    const blob = await this.request(`/v2/${repository}/blobs/${config}`, "GET", {});
    if (!blob.ok) return known;
    const created = Date.parse(((await blob.json()) as { created?: string }).created ?? "");
    return { ...known, ...(Number.isFinite(created) ? { created } : {}) };
  }

  private async request(path: string, method: string, headers: Record<string, string>): Promise<Response> {
    const basic = this.basicHeader();
    let res = await this.fetch(path, method, { ...headers, ...(basic ? { Authorization: basic } : {}) });
    const challenge = res.headers.get("www-authenticate") ?? "";
    if (res.status === 401 && /^bearer/i.test(challenge)) {
      const token = await this.bearerToken(challenge);
      res = await this.fetch(path, method, { ...headers, Authorization: `Bearer ${token}` });
    }
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError(
        `registry ${this.spec.url} refused the credentials (${res.status}); check registry.username and registry.password in the fleet file`,
      );
    }
    return res;
  }

  private fetch(path: string, method: string, headers: Record<string, string>): Promise<Response> {
    return this.send(new URL(`${this.base}${path}`), method, headers);
  }

  private async send(url: URL, method: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await send(url, { method, headers, timeoutMs: this.timeoutMs, ca: this.ca });
    } catch (err) {
      const reason = errorMessage(err);
      const hint =
        url.protocol === "https:" && UNTRUSTED_CERT.test(reason)
          ? "; if an internal CA signed its certificate, set registry.ca to that CA's PEM file"
          : "";
      const where =
        url.host === this.spec.url
          ? `the registry ${this.spec.url}`
          : `${url.origin}, where the registry ${this.spec.url} sent the request`;
      throw new RegistryError(`cannot reach ${where} (${reason})${hint}`, { cause: err });
    }
  }

  private basicHeader(): string | undefined {
    if (!this.spec.username) return undefined;
    return `Basic ${Buffer.from(`${this.spec.username}:${this.spec.password ?? ""}`).toString("base64")}`;
  }

  private async bearerToken(challenge: string): Promise<string> {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    if (!params.realm) throw new RegistryError(`registry ${this.spec.url} sent an unusable auth challenge`);
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new RegistryError(`registry ${this.spec.url} sent an unusable token realm`);
    }
    if (params.service) url.searchParams.set("service", params.service);
    if (params.scope) url.searchParams.set("scope", params.scope);
    const basic = this.basicHeader();
    if (basic && !mayCarryCredentials(url, this.spec.url)) {
      throw new RegistryError(
        `registry ${this.spec.url} asks for a token from ${url.origin}, another host over plain HTTP; dockops sends no credentials there. Serve the token service over HTTPS (set registry.ca for an internal CA)`,
      );
    }
    const res = await this.send(url, "GET", basic ? { Authorization: basic } : {});
    if (!res.ok) throw new RegistryError(`registry ${this.spec.url} refused a token (${res.status})`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`registry ${this.spec.url} returned no token`);
    return token;
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read registry.ca ${path} (${errorMessage(err)}); give the PEM file of the registry's CA`,
    );
  }
}
