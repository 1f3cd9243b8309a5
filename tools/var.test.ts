import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePriceCsv } from "./price-table.js";
import { tableReturns } from "./returns.js";
import {
  DEFAULT_VAR_OPTIONS,
  historicalCvar,
  historicalTail,
  historicalVar,
  parametricCvar,
  parametricVar,
} from "./var.js";

function expectRelative(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

// empyrical's value_at_risk(returns, cutoff) is the type-7 percentile at `cutoff` (a return,
// negative = loss). Ours is −Q_{1−α}: historicalVar(r, { confidence: 1 − cutoff }) = −value_at_risk.
describe("historicalVar", () => {
  it("defaults to 95% confidence", () => {
    expect(DEFAULT_VAR_OPTIONS.confidence).toBe(0.95);
  });

  it("matches empyrical-reloaded's test_value_at_risk vectors, negated", () => {
    expect(historicalVar([1, 2], { confidence: 0.7 })).toBeCloseTo(-1.3, 12);
    const r = [1, 81, 82, 83, 84, 85];
    expect(historicalVar(r, { confidence: 0.9 })).toBeCloseTo(-41, 12);
    expect(historicalVar(r, { confidence: 0.8 })).toBeCloseTo(-81, 12);
    expect(historicalVar(r, { confidence: 0.7 })).toBeCloseTo(-81.5, 12);
  });

  it("interpolates between order statistics: n = 5, α = 0.8 → h = 0.8, −(−0.05 + 0.8·0.04)", () => {
    expect(historicalVar([0.02, -0.05, 0.04, -0.01, 0], { confidence: 0.8 })).toBeCloseTo(
      0.018,
      15,
    );
  });

  it("does not reorder the caller's array", () => {
    const r = [0.02, -0.05, 0.04];
    historicalVar(r);
    expect(r).toEqual([0.02, -0.05, 0.04]);
  });

  it("rejects a confidence outside (0, 1) and an empty series, naming the field", () => {
    expect(() => historicalVar([0.01], { confidence: 1 })).toThrowError(/^confidence:/);
    expect(() => historicalVar([0.01], { confidence: 95 })).toThrowError(/^confidence:/);
    expect(() => historicalVar([])).toThrowError(/^returns:/);
  });
});

describe("historicalCvar", () => {
  it("averages the returns at or below the VaR quantile, as empyrical's conditional_value_at_risk", () => {
    // cutoff 0.2 on [1, 81, …, 85]: VaR quantile 81, tail {1, 81}, mean 41
    expect(historicalCvar([1, 81, 82, 83, 84, 85], { confidence: 0.8 })).toBeCloseTo(-41, 12);
    // a single return is its own CVaR at any level
    expect(historicalCvar([-0.013], { confidence: 0.99 })).toBe(0.013);
  });

  it("hand-worked: at 60% the quantile of five returns is −0.004 and the tail mean −0.03", () => {
    // h = 4 · 0.4 = 1.6 → Q = −0.01 + 0.6·(0 − (−0.01)) = −0.004; tail {−0.05, −0.01}, mean −0.03
    expect(historicalCvar([0, 0.04, -0.01, -0.05, 0.02], { confidence: 0.6 })).toBeCloseTo(
      0.03,
      15,
    );
  });

  it("comes with the VaR from one sort in historicalTail", () => {
    const tail = historicalTail([-0.05, -0.01, 0, 0.02, 0.04], { confidence: 0.8 });
    expect(tail.var).toBeCloseTo(0.018, 15);
    expect(tail.cvar).toBe(0.05);
  });

  it("is never below the VaR", () => {
    const r = [0.03, -0.02, 0.01, -0.04, 0.0, 0.02, -0.01];
    for (const confidence of [0.5, 0.8, 0.9, 0.99]) {
      expect(historicalCvar(r, { confidence })).toBeGreaterThanOrEqual(
        historicalVar(r, { confidence }),
      );
    }
  });
});

describe("parametric VaR and CVaR", () => {
  // Hand-worked with scipy's z = norm.ppf(0.05) = −1.6448536269514729 and
  // φ(z) = norm.pdf(z) = 0.10313564037537128: μ = 0.02, σ = √0.0002 for [0.01, 0.03].
  const sigma = Math.sqrt(0.0002);

  it("is −(μ + σ z)", () => {
    expectRelative(parametricVar([0.01, 0.03]), -(0.02 + sigma * -1.6448536269514729), 1e-14);
  });

  it("is −(μ − σ φ(z)/(1 − α)), the normal expected shortfall", () => {
    expectRelative(
      parametricCvar([0.01, 0.03]),
      -(0.02 - (sigma * 0.10313564037537128) / 0.05),
      1e-14,
    );
  });

  it("gives the standard normal's 95% expected shortfall 2.0627128075 (published tables)", () => {
    // a symmetric sample with mean 0 and sample std 1: ±1 repeated, ddof-1 rescaled
    const n = 1000;
    const scale = Math.sqrt((n - 1) / n);
    const r = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? scale : -scale));
    expect(parametricCvar(r)).toBeCloseTo(2.0627128075, 9);
    expect(parametricVar(r)).toBeCloseTo(1.644853627, 9);
    expect(parametricVar(r, { confidence: 0.99 })).toBeCloseTo(2.326347874, 9);
  });

  it("needs two returns", () => {
    expect(() => parametricVar([0.01])).toThrowError(/at least 2/);
    expect(() => parametricCvar([0.01])).toThrowError(/at least 2/);
  });
});

describe("on real fixture data, against a naive second implementation", () => {
  const read = (file: string) =>
    parsePriceCsv(
      readFileSync(new URL(`../tests/fixtures/datasets/${file}`, import.meta.url), "utf8"),
    );
  const all = new Map([
    ...tableReturns(read("us-equities-20.csv")),
    ...tableReturns(read("spy.csv")),
  ]);
  // scipy: norm.ppf(0.05), norm.ppf(0.01), norm.pdf of each
  const Z = new Map([
    [0.95, { z: -1.6448536269514729, pdf: 0.10313564037537128 }],
    [0.99, { z: -2.3263478740408408, pdf: 0.02665214220345808 }],
  ]);

  for (const symbol of ["AAPL", "BABA", "SHLD", "SPY"]) {
    it(`agrees to 1e-12 on ${symbol} at 95% and 99%`, () => {
      const r = all.get(symbol)?.returns ?? [];
      const sorted = [...r].sort((a, b) => a - b);
      const n = r.length;
      const m = r.reduce((s, x) => s + x, 0) / n;
      const sd = Math.sqrt(r.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
      for (const [confidence, { z, pdf }] of Z) {
        const h = (n - 1) * (1 - confidence);
        const lo = sorted[Math.floor(h)] as number;
        const q = lo + (h - Math.floor(h)) * ((sorted[Math.ceil(h)] as number) - lo);
        const tail = sorted.filter((x) => x <= q);
        expectRelative(historicalVar(r, { confidence }), -q, 1e-12);
        expectRelative(
          historicalCvar(r, { confidence }),
          -tail.reduce((s, x) => s + x, 0) / tail.length,
          1e-12,
        );
        expectRelative(parametricVar(r, { confidence }), -(m + sd * z), 1e-12);
        expectRelative(
          parametricCvar(r, { confidence }),
          -(m - (sd * pdf) / (1 - confidence)),
          1e-12,
        );
      }
    });
  }
});
