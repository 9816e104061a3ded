import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryError } from "../../src/errors.js";
import type { RegistrySpec } from "../../src/fleet/schema.js";
import { RegistryClient } from "../../src/registry/client.js";
import { need, readFleetEnv } from "../support/fleet-env.js";
import { makeTestCa, type TestCa } from "../support/test-ca.js";

/**
 * The real shared registry behind an HTTPS front whose certificate a CA made here signed, and a
 * "token service" on another loopback address (127.0.0.2) over plain HTTP that records what it
 * receives: that one must never see the registry password.
 */
const fe = readFleetEnv();
const registryUrl = need(fe, "REGISTRY_URL");
const creds = { username: need(fe, "REGISTRY_USERNAME"), password: need(fe, "REGISTRY_PASSWORD") };
const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;

type Mode = "proxy" | "http-realm" | "https-realm";
let mode: Mode = "proxy";
let ca: TestCa;
let front: Server;
let plainFront: Server;
let other: Server;
const otherSaw: Array<{ url: string; authorization?: string }> = [];
const port = (s: Server) => (s.address() as AddressInfo).port;

/** Sends the request on to the real registry (plain HTTP) and copies its answer back. */
async function forward(req: IncomingMessage, res: ServerResponse, authorization?: string): Promise<void> {
  const headers: Record<string, string> = {};
  if (req.headers.accept) headers.Accept = req.headers.accept;
  if (authorization) headers.Authorization = authorization;
  const up = await fetch(`http://${registryUrl}${req.url}`, {
    method: req.method,
    headers,
    redirect: "manual",
  });
  const copy: Record<string, string> = {};
  up.headers.forEach((v, k) => {
    if (!["content-length", "transfer-encoding", "content-encoding", "connection"].includes(k)) copy[k] = v;
  });
  res.writeHead(up.status, copy);
  res.end(req.method === "HEAD" ? undefined : Buffer.from(await up.arrayBuffer()));
}

function challenge(res: ServerResponse, realm: string): void {
  res.writeHead(401, {
    "www-authenticate": `Bearer realm="${realm}",service="registry",scope="repository:web:pull"`,
  });
  res.end();
}

const otherRealm = () => `http://127.0.0.2:${port(other)}/token`;

async function frontHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  if (url.startsWith("/token")) {
    // The HTTPS token service on the registry's own front: it may see the password.
    if (req.headers.authorization !== basic) return void res.writeHead(401).end();
    res.writeHead(200, { "content-type": "application/json" });
    return void res.end(JSON.stringify({ token: "good-token" }));
  }
  if (mode === "http-realm") return challenge(res, otherRealm());
  if (mode === "https-realm") {
    if (req.headers.authorization !== "Bearer good-token") {
      return challenge(res, `https://127.0.0.1:${port(front)}/token`);
    }
    return forward(req, res, basic);
  }
  if (url.includes("/blobs/")) {
    // Storage elsewhere, as S3-backed registries redirect blob downloads.
    res.writeHead(307, { location: `http://127.0.0.2:${port(other)}/storage${url}` });
    return void res.end();
  }
  return forward(req, res, req.headers.authorization);
}

function listen(server: Server, host: string): Promise<void> {
  return new Promise((resolve) => server.listen(0, host, resolve));
}

beforeAll(async () => {
  ca = makeTestCa(["127.0.0.1"]);
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    void frontHandler(req, res).catch((err) => res.writeHead(500).end(String(err)));
  front = createHttpsServer({ cert: ca.cert, key: ca.key }, handle);
  plainFront = createHttpServer((_req, res) => challenge(res, otherRealm()));
  other = createHttpServer((req, res) => {
    otherSaw.push({ url: req.url ?? "", authorization: req.headers.authorization });
    if (req.url?.startsWith("/storage/")) {
      req.url = req.url.slice("/storage".length);
      return void forward(req, res, basic).catch(() => res.writeHead(500).end());
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ token: "anonymous" }));
  });
  await Promise.all([
    listen(front, "127.0.0.1"),
    listen(plainFront, "127.0.0.1"),
    listen(other, "127.0.0.2"),
  ]);
});
afterAll(async () => {
  for (const s of [front, plainFront, other]) await new Promise((r) => s?.close(r));
});

const tlsSpec = (extra: Partial<RegistrySpec> = {}): RegistrySpec => ({
  url: `127.0.0.1:${port(front)}`,
  ...creds,
  insecure: false,
  ca: ca.caFile,
  ...extra,
});
const realDigest = () =>
  new RegistryClient({ url: registryUrl, ...creds, insecure: true }).resolveDigest("web", "v1");

describe("registry.ca", () => {
  it("reaches an HTTPS registry whose certificate an internal CA signed", async () => {
    mode = "proxy";
    const digest = await new RegistryClient(tlsSpec()).resolveDigest("web", "v1");
    expect(digest).toBe(await realDigest());
  });

  it("without it, refuses the certificate and says to set registry.ca", async () => {
    mode = "proxy";
    const { ca: _none, ...spec } = tlsSpec();
    const err = await new RegistryClient(spec).resolveDigest("web", "v1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(/certificate.*set registry\.ca to that CA's PEM file/);
  });

  it("follows a blob redirect to other storage without the credentials", async () => {
    mode = "proxy";
    const before = otherSaw.length;
    const info = await new RegistryClient(tlsSpec()).imageInfo("web", "v1");
    expect(info.digest).toBe(await realDigest());
    expect(info.created).toBeGreaterThan(0);
    const seen = otherSaw.slice(before);
    expect(seen.some((s) => s.url.includes("/blobs/"))).toBe(true);
    expect(seen.map((s) => s.authorization)).toEqual(seen.map(() => undefined));
  });

  it("sends the credentials to a token service over HTTPS and pulls with the token", async () => {
    mode = "https-realm";
    expect(await new RegistryClient(tlsSpec()).resolveDigest("web", "v1")).toBe(await realDigest());
  });
});

describe("credentials never go over plain HTTP to another host", () => {
  it("an HTTPS registry's token realm on another host over HTTP gets nothing", async () => {
    mode = "http-realm";
    const before = otherSaw.length;
    const err = await new RegistryClient(tlsSpec()).resolveDigest("web", "v1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(
      /another host over plain HTTP; dockops sends no credentials there/,
    );
    expect(otherSaw.slice(before)).toEqual([]);
  });

  it("an insecure registry's token realm on another host gets nothing either", async () => {
    const before = otherSaw.length;
    const client = new RegistryClient({ url: `127.0.0.1:${port(plainFront)}`, ...creds, insecure: true });
    const err = await client.resolveDigest("web", "v1").catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/dockops sends no credentials there/);
    expect(otherSaw.slice(before)).toEqual([]);
    expect(JSON.stringify(otherSaw)).not.toContain(basic.slice(6));
  });
});

describe("a registry that never finishes answering", () => {
  it("fails within the client's timeout", async () => {
    // Headers at once, then the body one byte at a time: each read is quick, the whole is not.
    const slow = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const drip = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(drip));
    });
    await listen(slow, "127.0.0.1");
    try {
      const client = new RegistryClient({ url: `127.0.0.1:${port(slow)}`, insecure: true }, 500);
      const started = Date.now();
      const err = await client.listTags("web").catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/cannot reach the registry .*no answer within 500 ms/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});
