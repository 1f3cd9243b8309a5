import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  calendarDaysBetween,
  calmarRatio,
  drawdownDetails,
  drawdownSeries,
  maxDrawdown,
} from "./drawdown.js";
import { parsePriceCsv } from "./price-table.js";
import { returnsFromColumn } from "./returns.js";

// empyrical's published series (tests/test_stats.py, conftest.py). empyrical reports max drawdown
// as a negative number; we report the same magnitude as a positive loss fraction.
const MIXED = [1, 10, -4, 2, 3, 2, 1, -10].map((x) => x / 100);
const POSITIVE = [1, 2, 1, 1, 1, 1, 1, 1, 1].map((x) => x / 100);
const NEGATIVE = [0, -6, -7, -1, -9, -2, -6, -8, -5].map((x) => x / 100);
const ALL_NEGATIVE = [-2, -6, -7, -1, -9, -2, -6, -8, -5].map((x) => x / 100);
const SIMPLE_BENCHMARK = [0, 1, 0, 1, 0, 1, 0, 1, 0].map((x) => x / 100);
const UDU = [0.1, -0.1, 0.1];

describe("maxDrawdown", () => {
  it("matches empyrical's max_drawdown vectors, sign flipped to a positive loss", () => {
    expect(maxDrawdown([0.01])).toBe(0); // one_return
    expect(maxDrawdown(SIMPLE_BENCHMARK)).toBe(0);
    expect(maxDrawdown(POSITIVE)).toBe(0);
    expect(maxDrawdown(MIXED)).toBeCloseTo(0.1, 8);
    expect(maxDrawdown(NEGATIVE)).toBeCloseTo(0.36590730349873601, 8);
    // empyrical-reloaded counts the starting capital as a peak, as we do:
    expect(maxDrawdown(ALL_NEGATIVE)).toBeCloseTo(0.378589157, 8);
    expect(maxDrawdown(UDU)).toBeCloseTo(0.1, 8);
  });

  it("matches empyrical-reloaded's roll_max_drawdown(negative_returns, 6) window by window", () => {
    const expected = [0.2282, 0.2745, 0.2899, 0.2747];
    expected.forEach((e, k) => expect(maxDrawdown(NEGATIVE.slice(k, k + 6))).toBeCloseTo(e, 4));
  });

  it("is 1 when wealth is wiped out", () => {
    expect(maxDrawdown([0.2, -1, 0.5])).toBe(1);
  });

  it("rejects an empty series and returns below −1", () => {
    expect(() => maxDrawdown([])).toThrowError(/^returns:/);
    expect(() => maxDrawdown([0.1, -2])).toThrowError(/^returns\[1\]:/);
  });
});

describe("drawdownSeries", () => {
  it("gives the positive drawdown after each return: W = 1.1, 0.99, 1.089 → 0, 0.1, 0.01", () => {
    const d = drawdownSeries(UDU);
    expect(d).toHaveLength(3);
    expect(d[0]).toBe(0);
    expect(d[1]).toBeCloseTo(0.1, 15); // 1 − 0.99/1.1
    expect(d[2]).toBeCloseTo(0.01, 15); // 1 − 1.089/1.1
  });

  it("measures from the starting wealth: a first loss is already a drawdown", () => {
    expect(drawdownSeries([-0.05, 0.02])[0]).toBeCloseTo(0.05, 15);
  });
});

describe("drawdownDetails", () => {
  const dates = ["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-08"];

  it("dates the peak, trough and recovery: W = 1, 1.1, 0.99, 1.188", () => {
    const d = drawdownDetails([0.1, -0.1, 0.2], dates);
    expect(d.maxDrawdown).toBeCloseTo(0.1, 15);
    expect(d).toMatchObject({
      peakIndex: 1,
      troughIndex: 2,
      recoveryIndex: 3,
      peakDate: "2024-01-02",
      troughDate: "2024-01-05",
      recoveryDate: "2024-01-08",
      durationDays: 6, // 2 → 8 January
    });
  });

  it("reports no recovery and counts the duration to the last date", () => {
    const d = drawdownDetails([0.1, -0.1, 0.05], dates); // W = 1.1, 0.99, 1.0395 < 1.1
    expect(d).toMatchObject({ peakDate: "2024-01-02", troughDate: "2024-01-05" });
    expect(d.recoveryDate).toBeNull();
    expect(d.recoveryIndex).toBeNull();
    expect(d.durationDays).toBe(6);
  });

  it("uses the start date as the peak when the first return is a loss", () => {
    const d = drawdownDetails([-0.1, 0.05, 0.2], dates); // W = 0.9, 0.945, 1.134
    expect(d).toMatchObject({ peakIndex: 0, peakDate: "2024-01-01", troughDate: "2024-01-02" });
    expect(d.recoveryDate).toBe("2024-01-08");
    expect(d.durationDays).toBe(7);
  });

  it("takes the most recent of equal peaks, and the first of equal troughs", () => {
    // W = 1, 1.25, 1.25, 1, 1.25, 1, 1.25 (all exact in binary): the peak 1.25 is set at 1 and
    // again at 2 (most recent: 2); 20% troughs at 3 and 5 (first: 3); back at 1.25 at 4.
    const d = drawdownDetails(
      [0.25, 0, -0.2, 0.25, -0.2, 0.25],
      [
        "2024-02-01",
        "2024-02-02",
        "2024-02-05",
        "2024-02-06",
        "2024-02-07",
        "2024-02-08",
        "2024-02-09",
      ],
    );
    expect(d).toMatchObject({ peakIndex: 2, troughIndex: 3, recoveryIndex: 4, durationDays: 2 });
    expect(d.maxDrawdown).toBeCloseTo(0.2, 15);
  });

  it("has no dates and zero duration when wealth never falls", () => {
    expect(drawdownDetails([0.01, 0.02], dates.slice(0, 3))).toEqual({
      maxDrawdown: 0,
      peakIndex: null,
      troughIndex: null,
      recoveryIndex: null,
      peakDate: null,
      troughDate: null,
      recoveryDate: null,
      durationDays: 0,
    });
  });

  it("needs one date per wealth point, ISO and increasing", () => {
    expect(() => drawdownDetails([0.1, -0.1, 0.2], dates.slice(1))).toThrowError(/^dates:/);
    expect(() => drawdownDetails([0.1], ["2024-01-02", "2024-01-01"])).toThrowError(/^dates\[1\]:/);
    expect(() => drawdownDetails([0.1], ["2024-01-02", "02/01/2024"])).toThrowError(/^dates\[1\]:/);
  });
});

describe("calendarDaysBetween", () => {
  it("counts calendar days across a leap day", () => {
    expect(calendarDaysBetween("2024-02-28", "2024-03-01")).toBe(2);
    expect(calendarDaysBetween("2023-02-28", "2023-03-01")).toBe(1);
  });
});

describe("calmarRatio", () => {
  it("matches empyrical's calmar_ratio for mixed_returns (19.135925373194233)", () => {
    // NaN compounded as a 0 return for the CAGR, as empyrical does
    const figure = calmarRatio([0, ...MIXED]);
    expect(figure.value).not.toBeNull();
    expect(Math.abs((figure.value ?? 0) / 19.135925373194233 - 1)).toBeLessThan(1e-13);
  });

  it("is CAGR / maxDrawdown: UDU at P = 3 → 0.089 / 0.1 = 0.89", () => {
    // wealth 1.1 · 0.9 · 1.1 = 1.089 over one year of 3 periods; drawdown 1 − 0.99/1.1 = 0.1
    expect(calmarRatio(UDU, { periodsPerYear: 3 }).value).toBeCloseTo(0.89, 14);
  });

  it("is null with a reason when there is no drawdown (empyrical: NaN for one_return)", () => {
    const figure = calmarRatio([0.01]);
    expect(figure.value).toBeNull();
    expect(figure.reason).toMatch(/maxDrawdown is 0/);
  });
});

describe("on real fixture data, against a naive second implementation", () => {
  const table = parsePriceCsv(
    readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
  );
  for (const symbol of ["AAPL", "AMD", "SHLD", "MA"]) {
    it(`finds the same drawdown, dates and duration on ${symbol}`, () => {
      const j = table.symbols.indexOf(symbol);
      const column = table.columns[j] ?? [];
      const { returns, dates } = returnsFromColumn(table.dates, column);
      const start = table.dates[column.findIndex((p) => p !== null)] as string;
      // naive: wealth path, running peak, worst point, then search forward for recovery
      const wealth = [1];
      for (const r of returns) wealth.push((wealth[wealth.length - 1] as number) * (1 + r));
      let peak = 0;
      let best = { dd: 0, peak: 0, trough: 0 };
      wealth.forEach((w, i) => {
        if (w >= (wealth[peak] as number)) peak = i;
        const dd = 1 - w / (wealth[peak] as number);
        if (dd > best.dd) best = { dd, peak, trough: i };
      });
      const recovery = wealth.findIndex(
        (w, i) => i > best.trough && w >= (wealth[best.peak] as number),
      );
      const allDates = [start, ...dates];
      const d = drawdownDetails(returns, allDates);
      expect(Math.abs(d.maxDrawdown / best.dd - 1)).toBeLessThan(1e-12);
      expect(maxDrawdown(returns)).toBe(d.maxDrawdown);
      expect(Math.max(...drawdownSeries(returns))).toBe(d.maxDrawdown);
      expect(d.peakDate).toBe(allDates[best.peak]);
      expect(d.troughDate).toBe(allDates[best.trough]);
      expect(d.recoveryDate).toBe(recovery < 0 ? null : allDates[recovery]);
      const end = new Date(
        `${recovery < 0 ? allDates[allDates.length - 1] : allDates[recovery]}T00:00:00Z`,
      );
      const begin = new Date(`${allDates[best.peak]}T00:00:00Z`);
      expect(d.durationDays).toBe((end.getTime() - begin.getTime()) / 86_400_000);
    });
  }
});
