import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitArgs } from "../../commands/config-args.js";
import { planCommand } from "../../commands/index.js";
import { ConfigCipher, parseEncryptionKey, secretAad } from "../../src/config/cipher.js";
import type { ConfigRevision } from "../../src/config/config-store.js";
import { effectiveEnvironment, MissingKeyError } from "../../src/config/effective-env.js";
import { configView, diffViews, showValue } from "../../src/config/view.js";
import { renderDeploy } from "../../src/core/render-deploy.js";
import { loadEnv } from "../../src/env.js";
import { parseFleet } from "../../src/fleet/load.js";
import { fleetSchema } from "../../src/fleet/schema.js";
import { DEFAULT_SECRET_PATTERNS, matchesSecretPattern } from "../../src/secrets/patterns.js";

const { fleet } = parseFleet(
  readFileSync(new URL("../../fleet.example.yml", import.meta.url), "utf8"),
  "fleet.yml",
  {},
);
const ctx = { fleet, user: "U1", channel: "C0BETA" };
const target = { kind: "config", project: "a1", requestedBy: "U1", channel: "C0BETA" } as const;
const prodApproval = { approvers: ["U0LEAD", "U0OPS"], allowSelfApproval: false, expiresMs: 1_800_000 };

describe("/config plans", () => {
  it("set: several keys, secrets by flag or by pattern, quoted values with spaces", () => {
    expect(
      planCommand("config", 'set a1 beta DB_HOST=db1 API_TOKEN=t0k GREETING="hi there" EMPTY=', ctx),
    ).toEqual({
      ok: true,
      plan: {
        ...target,
        env: "beta",
        op: "set",
        entries: [
          { key: "DB_HOST", value: "db1", secret: false },
          { key: "API_TOKEN", value: "t0k", secret: true },
          { key: "GREETING", value: "hi there", secret: false },
          { key: "EMPTY", value: "", secret: false },
        ],
      },
    });
    const flagged = planCommand("config", "set a1 beta --secret SALT=x", ctx);
    expect(flagged.ok && flagged.plan).toMatchObject({
      entries: [{ key: "SALT", value: "x", secret: true }],
    });
    const curly = planCommand("config", "set a1 beta MSG=\u201cslack quotes\u201d", ctx);
    expect(curly.ok && curly.plan).toMatchObject({ entries: [{ key: "MSG", value: "slack quotes" }] });
  });

  it("changes to an environment with approval carry its rule; reads do not", () => {
    for (const text of ["set a1 prod A=1", "unset a1 prod A", "revert a1 prod 2"]) {
      const result = planCommand("config", text, ctx);
      expect(result.ok && result.plan).toMatchObject({ env: "prod", approval: prodApproval });
    }
    for (const text of ["get a1 prod A", "list a1 prod", "history a1 prod", "diff a1 prod beta"]) {
      const result = planCommand("config", text, ctx);
      expect(result.ok && "approval" in result.plan).toBe(false);
    }
  });

  it("unset, revert, get, list, history and diff", () => {
    const plan = (text: string) => {
      const result = planCommand("config", text, ctx);
      return result.ok ? result.plan : result.message;
    };
    expect(plan("unset a1 beta A B A")).toEqual({ ...target, env: "beta", op: "unset", keys: ["A", "B"] });
    expect(plan("revert a1 beta r3")).toEqual({ ...target, env: "beta", op: "revert", revision: 3 });
    expect(plan("revert a1 beta 0")).toEqual({ ...target, env: "beta", op: "revert", revision: 0 });
    expect(plan("get a1 beta A")).toEqual({ ...target, env: "beta", op: "get", key: "A" });
    expect(plan("list a1 beta")).toEqual({ ...target, env: "beta", op: "list" });
    expect(plan("history a1 beta")).toEqual({ ...target, env: "beta", op: "history" });
    expect(plan("diff a1 beta prod")).toEqual({
      ...target,
      env: "beta",
      op: "diff",
      otherEnv: "prod",
      reads: ["prod"],
    });
    expect(planCommand("ops", "config list a1 beta", ctx)).toEqual(
      planCommand("config", "list a1 beta", ctx),
    );
  });

  it.each([
    [
      "set a1 beta A-B=1",
      "`A-B` is not a valid variable name (letters, digits and _, not starting with a digit)",
    ],
    ["set a1 beta A=1 A=2", "`A` is given twice"],
    ["set a1 beta", "give at least one KEY=VALUE"],
    [`set a1 beta A=${"é".repeat(513)}`, "the value of `A` is longer than 1024 bytes"],
    ['set a1 beta A="x', "a quote is not closed"],
    ["set a1 betaa A=1", "no environment `betaa`; did you mean `beta`?"],
    ["get a1 beta", "name a key"],
    ["get a1 beta A B", "too many words: `B`"],
    ["diff a1 beta beta", "name two different environments"],
    ["diff a1 beta staging", "no environment `staging`; known environments: `beta`, `prod`"],
    ["list a1 beta --secret", "unknown option `--secret`"],
    ["revert a1 beta latest", "`latest` is not a revision number"],
  ])("%s → usage", (text, why) => {
    const result = planCommand("config", text, ctx);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message.split("\n")[0]).toBe(why);
    expect(!result.ok && result.message).toMatch(/^Usage: `\/config /m);
  });

  it("a usage message never shows a value", () => {
    const value = fc.string({ minLength: 8, maxLength: 60 }).filter((v) => !/[\s"\u201c\u201d=]/u.test(v));
    fc.assert(
      fc.property(
        fc.constantFrom("1BAD", "OK", "A-B", "$(id)"),
        value,
        fc.constantFrom("", "X", "--force"),
        (key, v, extra) => {
          const result = planCommand("config", `set a1 beta ${key}=${v} ${extra}`, ctx);
          if (!result.ok) expect(result.message).not.toContain(v);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a set plan only ever holds valid keys and values within the limit", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 1500 }), (text) => {
        const result = planCommand("config", `set a1 beta ${text}`, ctx);
        if (result.ok && result.plan.kind === "config" && result.plan.op === "set") {
          for (const e of result.plan.entries) {
            expect(e.key).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
            expect(Buffer.byteLength(e.value)).toBeLessThanOrEqual(1024);
            expect(e.value).not.toMatch(/\p{Cc}/u);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("splitArgs", () => {
  it("keeps quoted spaces and escapes, splits the rest on whitespace", () => {
    expect(splitArgs('set  A="x \\"y\\" \\\\z" --Secret B=2')).toEqual({
      words: ["set", 'A=x "y" \\z', "B=2"],
      flags: new Set(["secret"]),
    });
    expect(splitArgs('"--not-a-flag"')).toEqual({ words: ["--not-a-flag"], flags: new Set() });
    expect(splitArgs('A="open')).toBe("a quote is not closed");
  });
});

describe("/env list", () => {
  it("lists hosts, channel and approval of every environment", () => {
    expect(planCommand("env", "list", ctx)).toEqual({
      ok: true,
      plan: {
        kind: "help",
        text: [
          "*Environments*",
          "• *beta* — hosts serverA, serverB; <#C0BETA>; no approval needed",
          "• *prod* — hosts serverB, serverC; <#C0PROD>; needs approval from <@U0LEAD>, <@U0OPS>",
        ].join("\n"),
      },
    });
    expect(planCommand("ops", "env", ctx)).toEqual(planCommand("env", "list", ctx));
    expect(planCommand("env", "drop prod", ctx)).toEqual({ ok: false, message: "Usage: `/env list`" });
  });
});

describe("secret patterns", () => {
  it("match the defaults case-insensitively, with * as a wildcard", () => {
    const secret = (k: string) => matchesSecretPattern(k, DEFAULT_SECRET_PATTERNS);
    expect(
      ["DB_PASSWORD", "GITHUB_TOKEN", "API_KEY", "MY_SECRET_THING", "secret", "db_password"].every(secret),
    ).toBe(true);
    expect(["DB_HOST", "KEYBOARD", "PASSWORD_HINT_URL", "TOKENS"].some(secret)).toBe(false);
    expect(matchesSecretPattern("STRIPE_PK", ["STRIPE_*"])).toBe(true);
  });

  it("come from the fleet file's secrets.patterns, defaulting to the built-in ones", () => {
    expect(fleetSchema.parse({ ...fleetInput(), secrets: {} }).secrets).toEqual({
      patterns: DEFAULT_SECRET_PATTERNS,
    });
    expect(fleetSchema.safeParse({ ...fleetInput(), secrets: { patterns: ["BAD PATTERN"] } }).success).toBe(
      false,
    );
    expect(fleetSchema.parse(fleetInput()).secrets).toBeUndefined();
    const custom = fleetSchema.parse({ ...fleetInput(), secrets: { patterns: ["LICENSE"] } });
    const result = planCommand("config", "set a1 beta LICENSE=x API_TOKEN=y", { ...ctx, fleet: custom });
    expect(result.ok && result.plan).toMatchObject({
      entries: [
        { key: "LICENSE", secret: true },
        { key: "API_TOKEN", secret: false },
      ],
    });
  });
});

function fleetInput() {
  return {
    registry: { url: "r:5000" },
    hosts: { serverA: { docker: "unix:///var/run/docker.sock" } },
    environments: { beta: { hosts: ["serverA"] } },
    projects: { a1: { image: "a1" } },
  };
}

describe("encryption", () => {
  const key = randomBytes(32);
  const cipher = new ConfigCipher(key);

  it("reads the key as 64 hex characters or base64 of 32 bytes", () => {
    expect(parseEncryptionKey(key.toString("hex"))).toEqual(key);
    expect(parseEncryptionKey(key.toString("base64"))).toEqual(key);
    expect(parseEncryptionKey("short")).toBeUndefined();
    expect(parseEncryptionKey(randomBytes(16).toString("base64"))).toBeUndefined();
    const bad = "not-a-key-but-maybe-a-secret";
    expect(() => loadEnv({ CONFIG_ENCRYPTION_KEY: bad })).toThrow(
      /CONFIG_ENCRYPTION_KEY: write 32 random bytes/,
    );
    expect(() => loadEnv({ CONFIG_ENCRYPTION_KEY: bad })).not.toThrow(new RegExp(bad));
  });

  it("round-trips with a fresh IV each time and refuses another key, another AAD or tampering", () => {
    const a = cipher.encrypt("hunter22", "a1/beta/DB_PASSWORD");
    const b = cipher.encrypt("hunter22", "a1/beta/DB_PASSWORD");
    expect(a).not.toBe(b);
    expect(a).not.toContain("hunter22");
    expect(cipher.decrypt(a, "a1/beta/DB_PASSWORD")).toBe("hunter22");
    expect(() => cipher.decrypt(a, "a1/prod/DB_PASSWORD")).toThrow(/cannot be decrypted/);
    expect(() => new ConfigCipher(randomBytes(32)).decrypt(a, "a1/beta/DB_PASSWORD")).toThrow(
      /cannot be decrypted/,
    );
    const [v, iv, tag, body] = a.split(":");
    const flipped = Buffer.from(body as string, "base64");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      cipher.decrypt([v, iv, tag, flipped.toString("base64")].join(":"), "a1/beta/DB_PASSWORD"),
    ).toThrow(/cannot be decrypted/);
  });
});

describe("effective environment and views", () => {
  const cipher = new ConfigCipher(randomBytes(32));
  const revision: ConfigRevision = {
    rev: 3,
    by: "U1",
    at: 0,
    op: "set",
    changed: ["DB_PASSWORD"],
    entries: {
      LOG_LEVEL: { v: "debug" },
      DB_PASSWORD: { v: cipher.encrypt("hunter22", secretAad("a1", "beta", "DB_PASSWORD")), s: true },
    },
  };
  const input = {
    project: "a1",
    env: "beta",
    defaults: { LOG_LEVEL: "info", PORT: "80", FLEET_TOKEN: "ft-1234" },
    revision,
    patterns: DEFAULT_SECRET_PATTERNS,
  };

  it("overlays the stored revision on the fleet defaults and lists clear secrets for masking", () => {
    expect(effectiveEnvironment({ ...input, cipher })).toEqual({
      values: { LOG_LEVEL: "debug", PORT: "80", FLEET_TOKEN: "ft-1234", DB_PASSWORD: "hunter22" },
      secrets: ["ft-1234", "hunter22"],
    });
    expect(effectiveEnvironment({ ...input, revision: undefined, cipher: undefined }).values).toEqual(
      input.defaults,
    );
    expect(() => effectiveEnvironment({ ...input, cipher: undefined })).toThrow(MissingKeyError);
  });

  it("shows secrets masked, values escaped for Slack, and diffs by clear value", () => {
    const view = configView({ ...input, cipher });
    expect([...view.keys()]).toEqual(["DB_PASSWORD", "FLEET_TOKEN", "LOG_LEVEL", "PORT"]);
    expect(showValue(view.get("DB_PASSWORD") as never)).toBe("`••••22` (secret)");
    expect(showValue(view.get("FLEET_TOKEN") as never)).toBe("`••••` (secret)");
    expect(showValue({ clear: "<!channel> & `x`", secret: false })).toBe("`&lt;!channel&gt; &amp; 'x'`");
    const noKey = configView({ ...input, cipher: undefined });
    expect(showValue(noKey.get("DB_PASSWORD") as never)).toBe("`••••` (secret)");
    const other = configView({
      ...input,
      revision: undefined,
      defaults: { ...input.defaults, PORT: "81", NEW: "1" },
      cipher,
    });
    expect(diffViews(view, other)).toEqual({
      onlyA: [view.get("DB_PASSWORD")],
      onlyB: [other.get("NEW")],
      different: [
        { a: view.get("LOG_LEVEL"), b: other.get("LOG_LEVEL") },
        { a: view.get("PORT"), b: other.get("PORT") },
      ],
      unknown: [],
      same: 1,
    });
    expect(diffViews(noKey, configView({ ...input, cipher: undefined })).unknown).toEqual(["DB_PASSWORD"]);
  });
});

describe("deploy message", () => {
  it("names the config revision the deploy runs with", () => {
    const meta = {
      id: "d1",
      project: "a1",
      env: "beta",
      tag: "v1",
      hosts: ["serverA"],
      requestedBy: "U1",
      channel: "C1",
      createdAt: 0,
    };
    expect(renderDeploy({ meta: { ...meta, configRevision: 3 }, hosts: {} }).text.split("\n")[0]).toBe(
      ":rocket: Deploying *a1:v1* to *beta* on serverA with config r3, requested by <@U1>",
    );
    expect(renderDeploy({ meta: { ...meta, configRevision: 0 }, hosts: {} }).text).not.toContain("config r");
  });
});

describe("the process environment", () => {
  it("treats an empty variable (as compose sets VAR:- defaults) as unset", () => {
    expect(loadEnv({ CONFIG_ENCRYPTION_KEY: "", SLACK_APP_TOKEN: "", PORT: "" })).toMatchObject({
      PORT: 3000,
    });
    expect(loadEnv({ CONFIG_ENCRYPTION_KEY: "" }).CONFIG_ENCRYPTION_KEY).toBeUndefined();
  });
});
