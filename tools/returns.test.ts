import { describe, expect, it } from "vitest";
import {
  alignReturns,
  logReturns,
  onCalendar,
  rebalancedPortfolioReturns,
  rebalancedPortfolioReturnsOnCalendar,
  returnsFromColumn,
  simpleReturns,
  type DatedReturns,
} from "./returns.js";

describe("returns", () => {
  it("computes simple returns p_t / p_{t−1} − 1", () => {
    const r = simpleReturns([100, 110, 99]);
    expect(r[0]).toBeCloseTo(0.1, 15);
    expect(r[1]).toBeCloseTo(-0.1, 15);
  });

  it("computes log returns ln(p_t / p_{t−1})", () => {
    expect(logReturns([100, 110])[0]).toBeCloseTo(Math.log(1.1), 15);
  });

  it("starts at the first price and measures across a gap from the last price", () => {
    const r = returnsFromColumn(["d1", "d2", "d3", "d4", "d5"], [null, 10, null, 12, 6], "simple");
    expect(r.dates).toEqual(["d4", "d5"]);
    expect(r.returns[0]).toBeCloseTo(0.2, 15);
    expect(r.returns[1]).toBeCloseTo(-0.5, 15);
    // Compounded wealth over the gap equals the price ratio 6 / 10.
    expect((1 + (r.returns[0] as number)) * (1 + (r.returns[1] as number))).toBeCloseTo(0.6, 15);
  });

  it("refuses non-positive or too few prices", () => {
    expect(() => simpleReturns([1])).toThrow(/at least 2 prices/);
    expect(() => simpleReturns([1, 0])).toThrow(/prices\[1\]/);
    expect(() => logReturns([1, Number.NaN])).toThrow(/prices\[1\]/);
  });

  it("aligns two dated series on their common dates", () => {
    const a = { dates: ["a", "b", "c"], returns: [1, 2, 3] };
    const b = { dates: ["b", "c", "d"], returns: [5, 6, 7] };
    expect(alignReturns(a, b)).toEqual({ dates: ["b", "c"], a: [2, 3], b: [5, 6] });
  });

  it("builds a daily-rebalanced portfolio on the dates every asset has", () => {
    const a = { dates: ["d1", "d2", "d3"], returns: [0.01, 0.02, 0.03] };
    const b = { dates: ["d2", "d3"], returns: [-0.01, 0.05] };
    const p = rebalancedPortfolioReturns([a, b], [0.25, 0.75]);
    expect(p.dates).toEqual(["d2", "d3"]);
    // d2: 0.25 × 0.02 + 0.75 × (−0.01) = −0.0025; d3: 0.25 × 0.03 + 0.75 × 0.05 = 0.045
    expect(p.returns[0]).toBeCloseTo(-0.0025, 15);
    expect(p.returns[1]).toBeCloseTo(0.045, 15);
  });

  it("refuses weights that do not sum to 1 or are not finite", () => {
    const a = { dates: ["d1"], returns: [0.01] };
    expect(() => rebalancedPortfolioReturns([a, a], [0.5, 0.4])).toThrow(/sum to 1/);
    expect(() => rebalancedPortfolioReturns([a, a], [0.5, Number.POSITIVE_INFINITY])).toThrow(
      /weights\[1\]/,
    );
  });
});

describe("rebalancedPortfolioReturnsOnCalendar", () => {
  const calendar = ["d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"];
  /** A series on some of the calendar's dates (a deterministic pattern per asset). */
  const seriesOf = (k: number): DatedReturns => {
    const dates: string[] = [];
    const returns: number[] = [];
    calendar.forEach((d, t) => {
      if ((t * (k + 3) + k) % 5 === 4) return; // a gap
      dates.push(d);
      returns.push(Math.sin(t * 1.7 + k) / 37);
    });
    return { dates, returns };
  };

  it("lays a series on the calendar: NaN where it has no return", () => {
    expect(Array.from(onCalendar(["a", "b", "c"], { dates: ["a", "c"], returns: [1, 3] }))).toEqual(
      [1, Number.NaN, 3],
    );
    expect(() => onCalendar(["a", "b"], { dates: ["a", "z"], returns: [1, 2] })).toThrow(
      /series\.dates: z is not on the calendar/,
    );
  });

  it("answers bit for bit as the date-merging rebalancedPortfolioReturns, gaps included", () => {
    for (let assets = 1; assets <= 6; assets++) {
      const series = Array.from({ length: assets }, (_, k) => seriesOf(k));
      const raw = series.map((_, k) => 1 + ((k * 7) % 5));
      const total = raw.reduce((a, b) => a + b, 0);
      const weights = raw.map((w) => w / total);
      const merged = rebalancedPortfolioReturns(series, weights);
      const onDays = rebalancedPortfolioReturnsOnCalendar(
        calendar,
        series.map((s) => onCalendar(calendar, s)),
        weights,
      );
      expect(onDays.dates).toEqual(merged.dates);
      expect(onDays.returns).toEqual(merged.returns);
      expect(merged.dates.length).toBeGreaterThan(0);
    }
  });

  it("checks weights and column lengths like the date-merging form", () => {
    const col = onCalendar(calendar, seriesOf(0));
    expect(() => rebalancedPortfolioReturnsOnCalendar(calendar, [col], [0.5])).toThrow(
      /weights: must sum to 1/,
    );
    expect(() => rebalancedPortfolioReturnsOnCalendar(calendar, [col.subarray(1)], [1])).toThrow(
      /columns/,
    );
  });
});
