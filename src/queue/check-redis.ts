import { ConfigError, errorMessage } from "../errors.js";
import { isSentinelUrl, openRedis, redactRedisUrl } from "./redis-url.js";

/**
 * One quick connection attempt at start-up. BullMQ would otherwise retry forever in silence;
 * a person trying the bot for the first time needs to be told what to run instead.
 */
export async function checkRedis(url: string, timeoutMs = 3_000): Promise<void> {
  const redis = openRedis(url, {
    lazyConnect: true,
    // Through sentinels: one round of asking them, not ioredis's endless retries.
    sentinelRetryStrategy: () => null,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause: string | undefined;
  redis.on("error", (err: Error) => {
    cause ??= err.message;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    // The "error" event carries the reason (ECONNREFUSED ...); the rejection only says "closed".
    throw new ConfigError(redisHelp(url, cause ?? errorMessage(err)));
  } finally {
    redis.disconnect();
  }
}

export function redisHelp(url: string, reason: string): string {
  const where = isSentinelUrl(url)
    ? `the Redis master through the sentinels of ${redactRedisUrl(url)}`
    : `Redis at ${redactRedisUrl(url)}`;
  return [
    `cannot reach ${where} (${reason}). dockops keeps its queue and deploy records there. Start one:`,
    "  docker run -d --name dockops-redis -p 6379:6379 redis:7",
    "or, on Debian/Ubuntu:",
    "  sudo apt-get install -y redis-server && redis-server --daemonize yes",
    "or point REDIS_URL at yours (e.g. REDIS_URL=redis://10.0.0.5:6379), then run npm start again.",
  ].join("\n");
}
