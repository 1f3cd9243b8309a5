import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePriceCsv } from "./price-table.js";
import { alpha, beta, informationRatio, trackingError } from "./relative.js";
import { alignReturns, tableReturns } from "./returns.js";

function expectRelative(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

// empyrical's series (tests/test_stats.py). `mixed_returns` starts with NaN; aligned against
// `negative_returns[1:]` on dates, the paired sample is these 8 days.
const MIXED = [1, 10, -4, 2, 3, 2, 1, -10].map((x) => x / 100);
const NEGATIVE_1 = [-6, -7, -1, -9, -2, -6, -8, -5].map((x) => x / 100);
const ZEROS = new Array<number>(8).fill(0);
const FLAT_1 = new Array<number>(8).fill(0.01);

describe("beta", () => {
  it("matches empyrical's alpha_beta(mixed_returns, negative_returns[1:]) beta", () => {
    expectRelative(beta(MIXED, NEGATIVE_1), -0.71296296296296313, 1e-14);
  });

  it("is 1 against itself and −1 against its negative (empyrical)", () => {
    expect(beta(MIXED, MIXED)).toBeCloseTo(1, 15);
    expect(
      beta(
        MIXED,
        MIXED.map((x) => -x),
      ),
    ).toBeCloseTo(-1, 15);
  });

  it("is the scale factor of a scaled benchmark: r = 2m → 2", () => {
    expect(beta([0.02, 0.04, 0.0], [0.01, 0.02, 0.0])).toBeCloseTo(2, 15);
  });

  it("refuses a constant benchmark (empyrical: NaN), naming the benchmark", () => {
    expect(() => beta(MIXED, FLAT_1)).toThrowError(/^benchmark: has zero variance/);
  });

  it("refuses unpaired arrays and fewer than 2 pairs", () => {
    expect(() => beta([0.01, 0.02, 0.03], [0.01, 0.02])).toThrowError(/^benchmark: must pair/);
    expect(() => beta([0.01], [0.01])).toThrowError(/at least 2/);
  });
});

describe("alpha", () => {
  it("matches empyrical 0.2's arithmetic alpha for (mixed_returns, negative_returns[1:])", () => {
    // quantopian/empyrical annualised alpha as mean · 252 (our convention): −8.306666666666668.
    expectRelative(alpha(MIXED, NEGATIVE_1), -8.306666666666668, 1e-14);
  });

  it("converts to empyrical-reloaded's geometric alpha (1 + α/252)^252 − 1 = −0.9997853834885004", () => {
    const a = alpha(MIXED, NEGATIVE_1);
    expectRelative((1 + a / 252) ** 252 - 1, -0.9997853834885004, 1e-12);
  });

  it("is 0 against itself and against its negative (empyrical)", () => {
    expect(alpha(MIXED, MIXED)).toBeCloseTo(0, 14);
    expect(
      alpha(
        MIXED,
        MIXED.map((x) => -x),
      ),
    ).toBeCloseTo(0, 14);
  });

  it("hand-worked: r = 0.01 + 2m → β = 2, α = 0.01 a day · 252 = 2.52", () => {
    expect(alpha([0.03, 0.05, 0.01], [0.01, 0.02, 0.0])).toBeCloseTo(2.52, 13);
  });

  it("nets the risk-free rate out of both legs: (mean r − rf_p) − β(mean m − rf_p)", () => {
    // β = 2, rf_p = 0.252/252 = 0.001: (0.03 − 0.001) − 2(0.01 − 0.001) = 0.011 a day → 2.772
    expect(alpha([0.03, 0.05, 0.01], [0.01, 0.02, 0.0], { riskFree: 0.252 })).toBeCloseTo(
      2.772,
      13,
    );
  });
});

describe("trackingError and informationRatio", () => {
  it("match empyrical's excess_sharpe vectors once annualised by √252", () => {
    // empyrical: excess_sharpe = mean(r − m) / std(r − m), not annualised
    expectRelative(informationRatio(MIXED, ZEROS), 0.10859306069076737 * Math.sqrt(252), 1e-14);
    expectRelative(informationRatio(MIXED, FLAT_1), -0.06515583641446039 * Math.sqrt(252), 1e-14);
  });

  it("hand-worked: active [0.01, 0.03], std √0.0002, P = 4 → TE 0.028284…, IR 0.02·4/TE = 2√2", () => {
    const r = [0.02, 0.04];
    const m = [0.01, 0.01];
    expect(trackingError(r, m, { periodsPerYear: 4 })).toBeCloseTo(Math.sqrt(0.0002) * 2, 15);
    expect(informationRatio(r, m, { periodsPerYear: 4 })).toBeCloseTo(2 * Math.SQRT2, 14);
  });

  it("TE is 0 for a series that tracks exactly, and IR is then an error (empyrical: NaN)", () => {
    expect(trackingError(MIXED, MIXED)).toBe(0);
    expect(() => informationRatio(MIXED, MIXED)).toThrowError(/tracking error is 0/);
  });
});

describe("on real fixture data, against a naive second implementation", () => {
  const read = (file: string) =>
    parsePriceCsv(
      readFileSync(new URL(`../tests/fixtures/datasets/${file}`, import.meta.url), "utf8"),
    );
  const stocks = tableReturns(read("us-equities-20.csv"));
  const spy = tableReturns(read("spy.csv")).get("SPY");

  for (const symbol of ["AAPL", "JPM", "FB", "SHLD"]) {
    it(`agrees to 1e-12 on ${symbol} against SPY at rf = 2%`, () => {
      const series = stocks.get(symbol);
      if (series === undefined || spy === undefined) throw new Error("fixture missing");
      const { a: r, b: m } = alignReturns(series, spy);
      const n = r.length;
      const P = 252;
      const rf = 0.02;
      const avg = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      const mr = avg(r);
      const mm = avg(m);
      let cov = 0;
      let varM = 0;
      for (let t = 0; t < n; t++) {
        cov += ((r[t] as number) - mr) * ((m[t] as number) - mm);
        varM += ((m[t] as number) - mm) ** 2;
      }
      const b = cov / varM;
      const active = r.map((x, t) => x - (m[t] as number));
      const ma = avg(active);
      const te = Math.sqrt(active.reduce((s, d) => s + (d - ma) ** 2, 0) / (n - 1)) * Math.sqrt(P);
      expectRelative(beta(r, m), b, 1e-12);
      expectRelative(alpha(r, m, { riskFree: rf }), (mr - rf / P - b * (mm - rf / P)) * P, 1e-12);
      expectRelative(trackingError(r, m), te, 1e-12);
      expectRelative(informationRatio(r, m), (ma * P) / te, 1e-12);
    });
  }
});
