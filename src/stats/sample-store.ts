import type { Redis } from "ioredis";
import type { Fleet } from "../fleet/schema.js";

/** One period's usage of a project+env on one host, summed over its replicas. */
export type ContainerSample = {
  t: number;
  cpu: number;
  mem: number;
  limit: number;
  restarts: number;
  rx: number;
  tx: number;
  replicas: number;
};

/** One period's totals of a host: its managed containers' CPU and memory, its size, Docker's disk use. */
export type HostSample = {
  t: number;
  cpu: number;
  mem: number;
  memTotal: number;
  cpus: number;
  disk: number;
};

export type Retention = { fullMs: number; bucketMs: number; downsampledMs: number };

/** The fleet file's `alerts.sampling`, with its defaults when the fleet has no `alerts`. */
export function samplingOf(fleet: Fleet): Retention & { everyMs: number } {
  const s = fleet.alerts?.sampling;
  return {
    everyMs: s?.every ?? 30_000,
    fullMs: s?.full ?? 24 * 3_600_000,
    bucketMs: s?.bucket ?? 5 * 60_000,
    downsampledMs: s?.downsampled ?? 7 * 24 * 3_600_000,
  };
}

const CONTAINER_FIELDS = ["t", "cpu", "mem", "limit", "restarts", "rx", "tx", "replicas"] as const;
const HOST_FIELDS = ["t", "cpu", "mem", "memTotal", "cpus", "disk"] as const;

// Members are bare JSON arrays, not objects: the field names would be most of each sample's memory.
const encode = <T extends Record<string, number>>(fields: readonly (keyof T)[], s: T) =>
  JSON.stringify(fields.map((f) => Math.round((s[f] as number) * 100) / 100));
const decode = <T>(fields: readonly string[], member: string): T => {
  const values = JSON.parse(member) as number[];
  return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? 0])) as T;
};

/** The mean of each numeric field over `samples`, stamped with `t`. */
function mean<T extends Record<string, number>>(
  fields: readonly (keyof T)[],
  samples: readonly T[],
  t: number,
): T {
  const out = Object.fromEntries(
    fields.map((f) => [f, samples.reduce((sum, s) => sum + (s[f] as number), 0) / samples.length]),
  ) as T;
  return { ...out, t };
}

/**
 * Resource samples in Redis, one sorted set per series scored by time: full resolution for
 * `fullMs`, then averaged per `bucketMs` for `downsampledMs`. Writers claim each period first
 * (SET NX), so several monitors write one sample per period between them.
 */
export class SampleStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly retention: Retention,
  ) {}

  private key(kind: "c" | "cd" | "h" | "hd", host: string, series = ""): string {
    return `${this.prefix}:stats:${kind}:${host}${series ? `:${series}` : ""}`;
  }

  /** True for the one writer that gets `host`'s period starting at `t`. */
  async claim(host: string, t: number, ttlMs: number, owner: string): Promise<boolean> {
    const won = await this.redis.set(`${this.prefix}:stats:claim:${host}:${t}`, owner, "PX", ttlMs, "NX");
    return won === "OK";
  }

  async write(
    host: string,
    t: number,
    host_: HostSample,
    series: Record<string, ContainerSample>,
  ): Promise<void> {
    const cutoff = t - this.retention.fullMs;
    const multi = this.redis.multi();
    const hostKey = this.key("h", host);
    multi.zadd(hostKey, t, encode(HOST_FIELDS, host_)).zremrangebyscore(hostKey, "-inf", `(${cutoff}`);
    for (const [name, sample] of Object.entries(series)) {
      const key = this.key("c", host, name);
      multi.zadd(key, t, encode(CONTAINER_FIELDS, sample)).zremrangebyscore(key, "-inf", `(${cutoff}`);
      multi.sadd(`${this.prefix}:stats:series:${host}`, name);
    }
    await multi.exec();
  }

  /**
   * Averages `host`'s samples of the bucket starting at `bucketStart` into the downsampled sets
   * and drops downsampled ones past their retention. Run once per bucket (the caller claims it).
   */
  async downsample(host: string, bucketStart: number): Promise<void> {
    const end = bucketStart + this.retention.bucketMs;
    const series = await this.redis.smembers(`${this.prefix}:stats:series:${host}`);
    const cutoff = bucketStart - this.retention.downsampledMs;
    const multi = this.redis.multi();
    const host_ = await this.range<HostSample>(this.key("h", host), HOST_FIELDS, bucketStart, end - 1);
    if (host_.length > 0)
      multi.zadd(
        this.key("hd", host),
        bucketStart,
        encode(HOST_FIELDS, mean(HOST_FIELDS, host_, bucketStart)),
      );
    multi.zremrangebyscore(this.key("hd", host), "-inf", `(${cutoff}`);
    for (const name of series) {
      const full = await this.range<ContainerSample>(
        this.key("c", host, name),
        CONTAINER_FIELDS,
        bucketStart,
        end - 1,
      );
      const key = this.key("cd", host, name);
      if (full.length > 0)
        multi.zadd(key, bucketStart, encode(CONTAINER_FIELDS, mean(CONTAINER_FIELDS, full, bucketStart)));
      multi.zremrangebyscore(key, "-inf", `(${cutoff}`);
    }
    await multi.exec();
  }

  private async range<T>(key: string, fields: readonly string[], from: number, to: number): Promise<T[]> {
    const members = await this.redis.zrangebyscore(key, from, to);
    return members.map((m) => decode<T>(fields, m));
  }

  /** A project+env's samples on `host` since `from`: full resolution where kept, averaged before. */
  async containerSeries(
    host: string,
    project: string,
    env: string,
    from: number,
    to = Date.now(),
  ): Promise<ContainerSample[]> {
    const name = `${project}:${env}`;
    return this.joined(this.key("cd", host, name), this.key("c", host, name), CONTAINER_FIELDS, from, to);
  }

  async hostSeries(host: string, from: number, to = Date.now()): Promise<HostSample[]> {
    return this.joined(this.key("hd", host), this.key("h", host), HOST_FIELDS, from, to);
  }

  private async joined<T extends { t: number }>(
    coarse: string,
    fine: string,
    fields: readonly string[],
    from: number,
    to: number,
  ): Promise<T[]> {
    const full = await this.range<T>(fine, fields, from, to);
    // Averaged buckets only where full resolution is no longer kept.
    const before = full[0]?.t ?? to + 1;
    const old = await this.range<T>(coarse, fields, from, before - 1);
    return [...old.filter((s) => s.t + this.retention.bucketMs <= before), ...full];
  }

  /** The project+env series ever written for `host` ("project:env"). */
  async seriesNames(host: string): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}:stats:series:${host}`);
  }

  /**
   * `host`'s newest sample and each series' newest, those taken since `since` only (a project
   * stopped an hour ago has no current usage). One round trip per host.
   */
  async latest(
    host: string,
    since: number,
  ): Promise<{ host?: HostSample; series: Record<string, ContainerSample> }> {
    const names = await this.seriesNames(host);
    const multi = this.redis.multi().zrangebyscore(this.key("h", host), since, "+inf");
    for (const name of names) multi.zrangebyscore(this.key("c", host, name), since, "+inf");
    const replies = ((await multi.exec()) ?? []).map(([, members]) => (members ?? []) as string[]);
    const newest = (members: string[] | undefined) => members?.[members.length - 1];
    const hostMember = newest(replies[0]);
    const series: Record<string, ContainerSample> = {};
    names.forEach((name, i) => {
      const member = newest(replies[i + 1]);
      if (member) series[name] = decode<ContainerSample>(CONTAINER_FIELDS, member);
    });
    return { ...(hostMember ? { host: decode<HostSample>(HOST_FIELDS, hostMember) } : {}), series };
  }

  /** Bytes Redis uses for `host`'s full-resolution series of project+env (MEMORY USAGE), and its samples. */
  async memoryUsage(host: string, project: string, env: string): Promise<{ bytes: number; samples: number }> {
    const key = this.key("c", host, `${project}:${env}`);
    const [used, samples] = await Promise.all([
      this.redis.memory("USAGE", key, "SAMPLES", "0"),
      this.redis.zcard(key),
    ]);
    return { bytes: Number(used ?? 0), samples };
  }
}
