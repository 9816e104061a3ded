import { describe, expect, it } from "vitest";
import { fleetSchema } from "../../src/fleet/schema.js";
import { dueSlot } from "../../src/report/weekly-schedule.js";

const at = (iso: string) => Date.parse(iso);
const monday9 = { weekday: "monday", time: "09:00" } as const;

describe("the weekly report's slot", () => {
  it.each([
    // 2026-11-30 is a Monday.
    ["2026-11-30T09:00:00Z", "2026-11-30T09:00:00Z"],
    ["2026-11-30T09:00:59Z", "2026-11-30T09:00:00Z"],
    ["2026-12-01T08:59:59Z", "2026-11-30T09:00:00Z"], // a bot that was down catches up within a day
    ["2026-12-07T09:30:00Z", "2026-12-07T09:00:00Z"],
  ])("at %s it is the slot of %s", (now, slot) => {
    expect(dueSlot(at(now), monday9)).toBe(at(slot));
  });

  it.each([
    "2026-11-30T08:59:59Z", // the day, before the time
    "2026-12-01T09:00:00Z", // a day late: next week's
    "2026-12-04T12:00:00Z",
    "2026-12-06T23:59:59Z",
  ])("at %s nothing is due", (now) => {
    expect(dueSlot(at(now), monday9)).toBeUndefined();
  });

  it("a Sunday-night slot is due into Monday", () => {
    expect(dueSlot(at("2026-11-30T01:00:00Z"), { weekday: "sunday", time: "23:30" })).toBe(
      at("2026-11-29T23:30:00Z"),
    );
  });

  it("reads `report` from the fleet file and refuses a bad time or weekday with what to write", () => {
    const report = fleetSchema.shape.report;
    expect(report.parse({ channel: "C0DORA", weekday: "friday", time: "16:30" })).toEqual({
      channel: "C0DORA",
      weekday: "friday",
      time: "16:30",
      days: 7,
    });
    const bad = report.safeParse({ channel: "C0DORA", weekday: "fri", time: "9:00" });
    expect(bad.success ? [] : bad.error.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      [
        "weekday",
        'Invalid option: expected one of "sunday"|"monday"|"tuesday"|"wednesday"|"thursday"|"friday"|"saturday"',
      ],
      ["time", "write the time as HH:MM (24 hours, UTC), e.g. 09:00"],
    ]);
  });
});
