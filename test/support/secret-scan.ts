import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openRedis } from "../../src/queue/redis-url.js";

/**
 * Every harness writes what the Slack stand-in received (messages, replies, and each uploaded
 * file's bytes), everything logged, and its audit stream into the run directory; tests register
 * the secret values they use. At the end of the run the global teardown fails the suite if any
 * secret shows up anywhere, verbatim or in a common encoding.
 */
const RUN_DIR_VAR = "DOCKOPS_TEST_RUN_DIR";

export function runDir(): string | undefined {
  return process.env[RUN_DIR_VAR];
}

export function startRun(dir: string): void {
  mkdirSync(dir, { recursive: true });
  process.env[RUN_DIR_VAR] = dir;
}

export function registerSecret(value: string): void {
  const dir = runDir();
  if (dir) appendFileSync(join(dir, "secrets.txt"), `${Buffer.from(value).toString("base64")}\n`);
}

export function recordOutput(name: string, content: string): void {
  const dir = runDir();
  if (dir) writeFileSync(join(dir, `${name}.out`), content);
}

/** The audit stream of a harness's prefix as text, for the scan; "" when Redis is gone (fault tests). */
export async function auditStreamText(redisUrl: string, prefix: string): Promise<string> {
  const redis = openRedis(redisUrl, {
    lazyConnect: true,
    sentinelRetryStrategy: () => null,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const entries = await redis.xrange(`${prefix}:audit`, "-", "+");
    return entries.map(([id, fields]) => `${id} ${fields.join(" ")}`).join("\n");
  } catch {
    return "";
  } finally {
    redis.disconnect();
  }
}

/** Records the audit stream of one key prefix (`<prefix>:audit`) as it stands. */
export async function recordAuditStream(redisUrl: string, prefix: string): Promise<void> {
  if (!runDir()) return;
  recordOutput(`${prefix}-audit`, await auditStreamText(redisUrl, prefix));
}

/** How a secret may show up besides verbatim: JSON-escaped, URL-encoded, base64. */
function forms(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    Buffer.from(secret).toString("base64").replace(/=+$/, ""),
  ];
}

/** Names of recorded outputs that contain a registered secret, with the secret masked. */
export function scanRun(dir: string): string[] {
  let secrets: string[] = [];
  try {
    secrets = readFileSync(join(dir, "secrets.txt"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((b) => Buffer.from(b, "base64").toString("utf8"))
      .filter((s) => s.length >= 6);
  } catch {
    return [];
  }
  const leaks: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".out"))) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const secret of new Set(secrets)) {
      if (forms(secret).some((form) => text.includes(form))) {
        leaks.push(`${file} contains the secret ${secret.slice(0, 2)}…`);
      }
    }
  }
  return leaks;
}
