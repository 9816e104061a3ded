import type { Redis } from "ioredis";
import { z } from "zod";

const markSchema = z.object({ message: z.string(), by: z.string(), at: z.number() });
export type MaintenanceMark = z.infer<typeof markSchema> & { project: string; env: string; host: string };

/**
 * Which project+env+host the proxy answers 503 for, as the worker last set it there. The proxy's
 * own route file is the truth; this copy lets `/status` show it without reading every proxy.
 */
export class MaintenanceMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "dockops",
  ) {}

  private get key(): string {
    return `${this.prefix}:maintenance`;
  }

  private static field(project: string, env: string, host: string): string {
    return `${project}:${env}:${host}`;
  }

  async set(
    project: string,
    env: string,
    host: string,
    mark: { message: string; by: string },
  ): Promise<void> {
    await this.redis.hset(
      this.key,
      MaintenanceMarks.field(project, env, host),
      JSON.stringify({ ...mark, at: Date.now() }),
    );
  }

  async clear(project: string, env: string, host: string): Promise<void> {
    await this.redis.hdel(this.key, MaintenanceMarks.field(project, env, host));
  }

  /** Every mark, sorted by project, env and host; a damaged entry is left out. */
  async list(): Promise<MaintenanceMark[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all)
      .flatMap(([field, raw]) => {
        const [project = "", env = "", host = ""] = field.split(":");
        try {
          const parsed = markSchema.safeParse(JSON.parse(raw));
          return parsed.success ? [{ ...parsed.data, project, env, host }] : [];
        } catch {
          return [];
        }
      })
      .sort((a, b) => `${a.project}:${a.env}:${a.host}`.localeCompare(`${b.project}:${b.env}:${b.host}`));
  }
}
