/** The longest window a report covers (`/report 90d`, the weekly post's `days`). */
export const MAX_REPORT_DAYS = 90;

export const WEEKDAYS = [
  "sunday",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type WeeklySchedule = { weekday: Weekday /** "HH:MM", UTC. */; time: string };

const DAY_MS = 24 * 3_600_000;

/** A bot that was down at the time still posts that week's report, up to this long after it. */
export const CATCH_UP_MS = DAY_MS;

/**
 * The start (ms, UTC) of the weekly slot `now` falls in: this week's `weekday` at `time`, when
 * `now` is at or after it and less than a day later; undefined the rest of the week.
 */
export function dueSlot(now: number, schedule: WeeklySchedule): number | undefined {
  const [hours = 0, minutes = 0] = schedule.time.split(":").map(Number);
  const day = new Date(now);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const back = (day.getUTCDay() - WEEKDAYS.indexOf(schedule.weekday) + 7) % 7;
  let slot = midnight - back * DAY_MS + (hours * 60 + minutes) * 60_000;
  // On the weekday itself before the time, the slot that counts is last week's.
  if (slot > now) slot -= 7 * DAY_MS;
  return now - slot < CATCH_UP_MS ? slot : undefined;
}
