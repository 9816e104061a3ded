import { Redis, type RedisOptions } from "ioredis";
import { ConfigError } from "../errors.js";
import { SentinelRedis } from "./sentinel-redis.js";

const SENTINEL_PREFIX = "redis+sentinel://";
const DEFAULT_SENTINEL_PORT = 26379;

/** What a `redis+sentinel://` URL names, as ioredis takes it. */
export type SentinelOptions = Required<Pick<RedisOptions, "sentinels" | "name">> &
  Pick<RedisOptions, "username" | "password" | "sentinelPassword" | "db">;

export function isSentinelUrl(url: string): boolean {
  return url.startsWith(SENTINEL_PREFIX);
}

function invalid(detail: string): ConfigError {
  return new ConfigError(
    `REDIS_URL: ${detail}; write redis+sentinel://[:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER_NAME[?db=N]`,
  );
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`the ${what} is not valid percent-encoding`);
  }
}

function parseAddress(text: string): { host: string; port: number } {
  // [v6]:port, or host:port; a bare host takes Sentinel's default port.
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::([^:]*))?$/.exec(text);
  if (!match?.[1]) throw invalid(`"${text}" is not a sentinel address (HOST or HOST:PORT)`);
  const host = match[1].replace(/^\[(.*)\]$/, "$1");
  if (match[2] === undefined) return { host, port: DEFAULT_SENTINEL_PORT };
  const port = Number(match[2]);
  if (!/^\d+$/.test(match[2]) || port < 1 || port > 65535)
    throw invalid(`sentinel "${host}" has port "${match[2]}", not a number from 1 to 65535`);
  return { host, port };
}

function parseQuery(query: string): Pick<SentinelOptions, "db" | "sentinelPassword"> {
  const out: Pick<SentinelOptions, "db" | "sentinelPassword"> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === "db") {
      if (!/^\d+$/.test(value)) throw invalid(`db must be a whole number, not "${value}"`);
      out.db = Number(value);
    } else if (key === "sentinelPassword") {
      if (!value) throw invalid("sentinelPassword is empty");
      out.sentinelPassword = value;
    } else {
      throw invalid(`unknown option "${key}" (known: db, sentinelPassword)`);
    }
  }
  return out;
}

/**
 * Reads `redis+sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER[?db=N&sentinelPassword=P]`.
 * No standard covers several hosts in one URL, so WHATWG's parser cannot be used; errors name
 * the part that is wrong and never repeat a password.
 */
export function parseSentinelUrl(url: string): SentinelOptions {
  if (!isSentinelUrl(url)) throw invalid("a Sentinel URL starts with redis+sentinel://");
  const rest = url.slice(SENTINEL_PREFIX.length);
  const hashAt = rest.indexOf("#");
  if (hashAt >= 0) throw invalid("a fragment (#...) has no meaning here");
  const queryAt = rest.indexOf("?");
  const beforeQuery = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
  const query = queryAt >= 0 ? rest.slice(queryAt + 1) : "";
  // The password may contain "/" only percent-encoded, so the last "@" ends the user part.
  const at = beforeQuery.lastIndexOf("@");
  const userinfo = at >= 0 ? beforeQuery.slice(0, at) : undefined;
  const location = at >= 0 ? beforeQuery.slice(at + 1) : beforeQuery;
  const slash = location.indexOf("/");
  if (slash < 0) throw invalid("the master's name is missing (…/MASTER_NAME after the sentinels)");
  const name = decode(location.slice(slash + 1).replace(/\/$/, ""), "master name");
  if (!name || name.includes("/")) throw invalid("the master's name is missing or contains a /");
  const addresses = location.slice(0, slash);
  if (!addresses) throw invalid("no sentinel address is given");
  const sentinels = addresses.split(",").map(parseAddress);
  const options: SentinelOptions = { sentinels, name, ...parseQuery(query) };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(":");
    const username = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo, "user name");
    const password = colon >= 0 ? decode(userinfo.slice(colon + 1), "password") : "";
    if (username) options.username = username;
    if (password) options.password = password;
  }
  return options;
}

/**
 * The one way a Redis connection is opened from REDIS_URL: a plain URL goes to ioredis as it is,
 * a Sentinel URL asks the sentinels for the master. Sentinel connections also drop on
 * `+switch-master` and on READONLY (a demoted master), so they find the new master at once
 * instead of writing to a replica until a timeout (see sentinel-redis.ts for what that takes).
 */
export function openRedis(url: string, options: RedisOptions = {}): Redis {
  if (!isSentinelUrl(url)) return new Redis(url, options);
  return new SentinelRedis({
    ...parseSentinelUrl(url),
    failoverDetector: true,
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
    ...options,
  });
}

/** A Redis URL without its passwords, for messages and tables. */
export function redactRedisUrl(url: string): string {
  // Up to the last "@" before the query, as the parser reads it: a password may hold "/" or "@".
  return url.replace(/^([a-z+]+:\/\/)[^?#]*@/, "$1•••@").replace(/([?&]sentinelPassword=)[^&#]*/, "$1•••");
}
