import { describe, expect, it } from "vitest";
import { maskSecrets } from "../../src/secrets/mask.js";

const SECRET = 'Zq8`Lm3#Pw9"x R2/é';
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("masking a secret in the forms output commonly holds", () => {
  it.each([
    ["verbatim", `API_TOKEN=${SECRET}`],
    ["JSON-escaped", JSON.stringify({ token: SECRET })],
    ["JSON-escaped twice", JSON.stringify(JSON.stringify({ token: SECRET }))],
    ["URL-encoded", `postgres://app:${encodeURIComponent(SECRET)}@db/x`],
    [
      "URL-encoded, lower-case hex",
      `?t=${encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`,
    ],
    ["form-encoded", `token=${new URLSearchParams({ t: SECRET }).toString().slice(2)}`],
    ["base64 alone", `token: ${b64(SECRET)}`],
    ["base64 URL-safe", `token: ${b64(SECRET).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`],
    ["base64 of user:secret (HTTP Basic)", `Authorization: Basic ${b64(`deploy:${SECRET}`)}`],
    ["base64 of user:secret at another offset", `Authorization: Basic ${b64(`ab:${SECRET}`)}`],
  ])("%s", (_name, text) => {
    const masked = maskSecrets(text, [SECRET]);
    expect(masked).toContain("••••");
    for (const form of [
      SECRET,
      JSON.stringify(SECRET).slice(1, -1),
      encodeURIComponent(SECRET),
      b64(SECRET),
    ]) {
      expect(masked).not.toContain(form);
    }
    expect(masked).not.toContain("Lm3");
  });

  it("leaves text without a secret, base64 words included, unchanged", () => {
    const text = "GET /api/v1/status 200 aGVsbG8gd29ybGQ= connected to db1 in 3ms";
    expect(maskSecrets(text, [SECRET, "hunter22"])).toBe(text);
  });

  it("masks the longer secret whole when one secret contains another", () => {
    expect(maskSecrets("x=abcdefgh12 y=abcdefgh", ["abcdefgh", "abcdefgh12"])).toBe("x=••••12 y=••••gh");
  });
});
