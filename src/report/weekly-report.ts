import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Chat } from "../core/message.js";
import { errorMessage } from "../errors.js";
import type { ReportService } from "./report-service.js";
import { dueSlot, type WeeklySchedule } from "./weekly-schedule.js";

export type WeeklyReportOptions = WeeklySchedule & { channel: string; days: number };

const CHECK_MS = 60_000;
/** Long enough that a claimed week is never posted again, short enough to clean itself up. */
const CLAIM_TTL_S = 8 * 24 * 3600;

/**
 * Posts the delivery report (the `/report` table, every project and environment) to a channel
 * once a week. Every bot checks each minute; the first to claim the week in Redis (SET NX) posts,
 * so several bots post it once.
 */
export class WeeklyReport {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly opts: WeeklyReportOptions,
    private readonly report: ReportService,
    private readonly chat: Chat,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), CHECK_MS);
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Posts this week's report if it is due and no bot has claimed it; true when this one posted. */
  async tick(): Promise<boolean> {
    const slot = dueSlot(this.now(), this.opts);
    if (slot === undefined) return false;
    const key = `${this.prefix}:report-weekly:${new Date(slot).toISOString()}`;
    try {
      if ((await this.redis.set(key, "posting", "EX", CLAIM_TTL_S, "NX")) !== "OK") return false;
      const { channel, days } = this.opts;
      const reply = await this.report.report({ kind: "report", days, requestedBy: "weekly", channel });
      const ref = await this.chat.post(channel, reply.message);
      await this.redis.set(key, ref.ts, "EX", CLAIM_TTL_S);
      this.log.info({ channel, slot }, "weekly report posted");
      return true;
    } catch (err) {
      // Not posted: let the next check (this bot's or another's) try again.
      await this.redis.del(key).catch(() => {});
      this.log.warn({ err: errorMessage(err) }, "weekly report not posted");
      return false;
    }
  }
}
