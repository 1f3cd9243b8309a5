import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayNumber, isWeekday, weekdaysAfter } from "./calendar.js";

/** Naive references: JavaScript's own Date arithmetic, one day at a time. */
const naiveDay = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const isoOf = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
function naiveWeekdaysAfter(from: number, to: number): number {
  let n = 0;
  for (let d = from + 1; d <= to; d++) {
    const w = new Date(d * 86_400_000).getUTCDay();
    if (w !== 0 && w !== 6) n++;
  }
  return n;
}

describe("dayNumber", () => {
  it("matches the doc examples", () => {
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dayNumber("2000-03-01")).toBe(11017); // 30 years of days to 2000-01-01 = 10957, + 31 + 29
    expect(dayNumber("2023-02-29")).toBeNaN();
  });

  it("agrees with Date.parse on every date from 1900 to 2100 (fast-check)", () => {
    const lo = naiveDay("1900-01-01");
    const hi = naiveDay("2100-12-31");
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), (day) => {
        expect(dayNumber(isoOf(day))).toBe(day);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    "2024-13-01",
    "2024-00-10",
    "2024-04-31",
    "1900-02-29",
    "2024-1-01",
    "20240101xx",
    "abcd-ef-gh",
  ])("refuses %s", (iso) => {
    expect(dayNumber(iso)).toBeNaN();
  });

  it("accepts 2000-02-29 (a leap year divisible by 400)", () => {
    expect(dayNumber("2000-02-29")).toBe(naiveDay("2000-02-29"));
  });
});

describe("weekdaysAfter", () => {
  it("counts Friday to Monday as one weekday (the doc example)", () => {
    expect(weekdaysAfter(dayNumber("2024-01-05"), dayNumber("2024-01-08"))).toBe(1);
  });

  it("agrees with a day-by-day count (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -20_000, max: 30_000 }),
        fc.integer({ min: -10, max: 60 }),
        (from, span) => {
          expect(weekdaysAfter(from, from + span)).toBe(naiveWeekdaysAfter(from, from + span));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("tells weekdays from weekends", () => {
    expect(isWeekday(dayNumber("2024-01-06"))).toBe(false);
    expect(isWeekday(dayNumber("2024-01-07"))).toBe(false);
    expect(isWeekday(dayNumber("2024-01-08"))).toBe(true);
    expect(isWeekday(dayNumber("1969-12-31"))).toBe(true); // a Wednesday, before day 0
  });
});
