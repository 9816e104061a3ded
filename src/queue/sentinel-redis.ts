import { Redis, type RedisOptions } from "ioredis";

/** What of ioredis's private Sentinel connector this relies on (ioredis 5). */
type WithDetector = { connector?: { failoverDetector?: { cleanup?: () => void } } };

/**
 * A Sentinel connection that does not end for good when a killed master's successor is
 * announced at the wrong moment. ioredis keeps a connection's failover detector subscribed
 * after its socket closed by itself (the master died); when the sentinels then announce
 * `+switch-master` while the connection is asking a sentinel where the master is, that detector
 * cuts the lookup short and ioredis ends the connection: every command after it fails with
 * "Connection is closed." and nothing reconnects (seen in the worker and the bot under the
 * failover test; test/integration/sentinel-switch-race.test.ts replays it). A detector only
 * matters while its socket is up, so it is retired with its socket; the next socket that
 * connects subscribes a new one. Duplicates (BullMQ's blocking connections) are made alike.
 */
export class SentinelRedis extends Redis {
  constructor(options: RedisOptions) {
    super(options);
    this.on("close", () => (this as unknown as WithDetector).connector?.failoverDetector?.cleanup?.());
  }

  override duplicate(override?: Partial<RedisOptions>): Redis {
    return new SentinelRedis({ ...this.options, ...override });
  }
}
