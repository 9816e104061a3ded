// npm run audit:export -- [--since 30d]: prints the audit stream as JSON lines, oldest first.
// Reads REDIS_URL and DOCKOPS_PREFIX like the bot; without --since, everything still kept.
import { parseArgs } from "node:util";
import { exportAudit } from "../audit/export.js";
import { loadEnv } from "../env.js";
import { errorMessage } from "../errors.js";
import { parseDuration } from "../fleet/duration.js";
import { openRedis } from "../queue/redis-url.js";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { since: { type: "string" } } });
  const age = values.since === undefined ? undefined : parseDuration(values.since);
  if (values.since !== undefined && age === undefined) {
    process.stderr.write(`--since takes an age such as 30d, 12h or 90m, not "${values.since}"\n`);
    return 2;
  }
  const env = loadEnv();
  const redis = openRedis(env.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const since = age === undefined ? 0 : Date.now() - age;
    const count = await exportAudit(redis, env.DOCKOPS_PREFIX, since, (line) => process.stdout.write(line));
    process.stderr.write(`${count} audit entries\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`audit:export: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
