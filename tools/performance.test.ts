import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ToolError } from "./errors.js";
import {
  annualReturn,
  annualVolatility,
  assertNotConstant,
  assertWealthReturns,
  cumulativeReturn,
  DEFAULT_PERFORMANCE_OPTIONS,
  downsideDeviation,
  resolvePerformanceOptions,
  sharpeRatio,
  sortinoRatio,
} from "./performance.js";
import { parsePriceCsv } from "./price-table.js";
import { tableReturns } from "./returns.js";

function expectRelative(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.abs(expected));
}

// empyrical's published test series (quantopian/empyrical and stefan-jansen/empyrical-reloaded,
// tests/test_stats.py and tests/conftest.py), daily. `mixed_returns` starts with a NaN: empyrical
// drops it from means and standard deviations (nanmean/nanstd, 8 values) but compounds it as a 0
// return and counts it in T for annual_return/cagr (9 values). We pass the series each way.
const MIXED = [1, 10, -4, 2, 3, 2, 1, -10].map((x) => x / 100);
const MIXED_NAN_AS_ZERO = [0, ...MIXED];
const POSITIVE = [1, 2, 1, 1, 1, 1, 1, 1, 1].map((x) => x / 100);
const NEGATIVE = [0, -6, -7, -1, -9, -2, -6, -8, -5].map((x) => x / 100);
const SIMPLE_BENCHMARK = [0, 1, 0, 1, 0, 1, 0, 1, 0].map((x) => x / 100);
const ONE = [
  -0.00171614, 0.01322056, 0.03063862, -0.01422057, -0.00489779, 0.01268925, -0.03357711,
  0.01797036,
];
const TWO = [
  0.01846232, 0.00793951, -0.01448395, 0.00422537, -0.00339611, 0.03756813, 0.0151531, 0.03549769,
];

describe("options and preconditions", () => {
  it("default to 252 periods a year and a zero risk-free rate", () => {
    expect(DEFAULT_PERFORMANCE_OPTIONS).toEqual({ periodsPerYear: 252, riskFree: 0 });
    expect(resolvePerformanceOptions({ riskFree: 0.02 })).toEqual({
      periodsPerYear: 252,
      riskFree: 0.02,
    });
  });

  it("name the offending option or observation", () => {
    expect(() => resolvePerformanceOptions({ periodsPerYear: -1 })).toThrowError(
      /^periodsPerYear:/,
    );
    expect(() => resolvePerformanceOptions({ riskFree: Number.POSITIVE_INFINITY })).toThrowError(
      /^riskFree:/,
    );
    expect(() => assertWealthReturns("returns", [0.1, -1.2], 1)).toThrowError(/^returns\[1\]:/);
    expect(() => assertWealthReturns("returns", [0.1, -1], 1)).not.toThrow();
  });

  it("treat only exactly equal values as zero variance", () => {
    const call = () => assertNotConstant("returns", [0.01, 0.01], "the Sharpe ratio");
    expect(call).toThrowError(ToolError);
    expect(call).toThrowError(/zero variance.*the Sharpe ratio/);
    expect(() => assertNotConstant("returns", [0.01, 0.01 + 1e-17 * 1e3], "x")).not.toThrow();
  });
});

describe("cumulativeReturn", () => {
  it("compounds returns: (1.1 × 0.9) − 1 = −0.01", () => {
    expect(cumulativeReturn([0.1, -0.1])).toBeCloseTo(-0.01, 15);
  });

  it("matches empyrical's cum_returns vectors for every prefix of mixed_returns", () => {
    const expected = [0.01, 0.111, 0.066559, 0.08789, 0.12052, 0.14293, 0.15436, 0.03893];
    expected.forEach((e, i) => expect(cumulativeReturn(MIXED.slice(0, i + 1))).toBeCloseTo(e, 4));
    expect(cumulativeReturn(NEGATIVE)).toBeCloseTo(-0.3659, 4);
    expect(cumulativeReturn([0.01])).toBeCloseTo(0.01, 15);
  });

  it("is exactly −1 once wealth is wiped out, and rejects returns below −1 by index", () => {
    expect(cumulativeReturn([0.5, -1, 0.2])).toBe(-1);
    expect(() => cumulativeReturn([0.1, -1.5])).toThrowError(/^returns\[1\]:/);
  });

  it("rejects an empty or non-finite series, naming the field", () => {
    expect(() => cumulativeReturn([])).toThrowError(/^returns:/);
    expect(() => cumulativeReturn([0.1, Number.NaN])).toThrowError(/^returns\[1\]:/);
  });
});

describe("annualReturn", () => {
  it("matches empyrical's annual_return for mixed_returns (1.9135925373194231)", () => {
    expectRelative(annualReturn(MIXED_NAN_AS_ZERO), 1.9135925373194231, 1e-13);
  });

  it("matches empyrical's cagr for one_return and flat_line_1_tz (1.01^252 − 1)", () => {
    // empyrical rounds 1 + r to a double before compounding; we compound log1p(r) exactly
    // (mpmath: (1 + 0.01)^252 − 1 = 11.2740020992402167…), hence 3e-15 relative apart.
    expectRelative(annualReturn([0.01]), 11.274002099240244, 1e-14);
    expectRelative(annualReturn(new Array<number>(1000).fill(0.01)), 11.274002099240256, 1e-14);
  });

  it("annualises with the periods per year given: 4 quarters of 1% → 1.01^4 − 1", () => {
    expect(annualReturn([0.01, 0.01], { periodsPerYear: 4 })).toBeCloseTo(0.04060401, 15);
  });

  it("rejects a non-positive periodsPerYear", () => {
    expect(() => annualReturn([0.01], { periodsPerYear: 0 })).toThrowError(/^periodsPerYear:/);
  });
});

describe("annualVolatility", () => {
  it("matches empyrical's annual_volatility for mixed_returns (0.9136465399704637)", () => {
    expectRelative(annualVolatility(MIXED), 0.9136465399704637, 1e-14);
  });

  it("uses the sample std: [0.01, 0.03] has std √0.0002, ×√4 = 0.028284271247461905", () => {
    expectRelative(
      annualVolatility([0.01, 0.03], { periodsPerYear: 4 }),
      0.028284271247461905,
      1e-15,
    );
  });

  it("is 0 for a flat line (empyrical: flat_line_1_tz → 0)", () => {
    expect(annualVolatility(new Array<number>(1000).fill(0.01))).toBeCloseTo(0, 14);
  });

  it("needs two returns", () => {
    expect(() => annualVolatility([0.01])).toThrowError(/at least 2/);
  });
});

describe("sharpeRatio", () => {
  it("matches empyrical-reloaded's sharpe_ratio vectors (ddof = 1)", () => {
    expectRelative(sharpeRatio(MIXED), 1.7238613961706866, 1e-14);
    expectRelative(sharpeRatio(POSITIVE), 52.915026221291804, 1e-14);
    expectRelative(sharpeRatio(NEGATIVE), -24.406808633910085, 1e-14);
  });

  it("matches empyrical-reloaded's roll_sharpe_ratio(mixed_returns, 6) window by window", () => {
    const withNan = [Number.NaN, ...MIXED];
    const expected = [7.57445259, 8.22784105, 8.22784105, -3.1374751];
    expected.forEach((e, k) => {
      const window = withNan.slice(k, k + 6).filter((x) => !Number.isNaN(x));
      expect(sharpeRatio(window)).toBeCloseTo(e, 7);
    });
  });

  it("is mean/std·√P: [0.01, 0.03], P = 4 → 0.02/√0.0002·2 = 2√2", () => {
    expect(sharpeRatio([0.01, 0.03], { periodsPerYear: 4 })).toBeCloseTo(2 * Math.SQRT2, 15);
  });

  it("subtracts rf/P per period: [0.03, 0.05] at rf = 0.04 a year, P = 4 → 0.02/0.01414·2", () => {
    // excess = [0.02, 0.04], mean 0.03, std √0.0002 = 0.0141421…, ×√4 → 4.242640687119285
    expectRelative(
      sharpeRatio([0.03, 0.05], { periodsPerYear: 4, riskFree: 0.04 }),
      4.242640687119285,
      1e-14,
    );
  });

  it("refuses a zero-variance series (empyrical returns inf) and fewer than 2 returns (NaN)", () => {
    expect(() => sharpeRatio(new Array<number>(9).fill(0.01))).toThrowError(/zero variance/);
    expect(() => sharpeRatio([0.01])).toThrowError(/at least 2/);
  });
});

describe("downsideDeviation", () => {
  it("matches empyrical's downside_risk vectors", () => {
    expectRelative(downsideDeviation(MIXED), 0.60448325038829653, 1e-14);
    // required_return 0.1 a day = riskFree 25.2 a year at P = 252
    expectRelative(downsideDeviation(MIXED, { riskFree: 25.2 }), 1.7161730681956295, 1e-14);
    expectRelative(downsideDeviation(ONE), 0.20671788246185202, 1e-14);
    expectRelative(downsideDeviation(TWO), 0.083495680595704475, 1e-14);
    expect(downsideDeviation([0.01])).toBe(0);
  });

  it("averages over all T returns: [−0.02, 0.04], P = 4 → √(0.0004/2)·2 = 0.0282842712474619", () => {
    expectRelative(
      downsideDeviation([-0.02, 0.04], { periodsPerYear: 4 }),
      0.0282842712474619,
      1e-15,
    );
  });
});

describe("sortinoRatio", () => {
  it("matches empyrical's sortino_ratio vectors", () => {
    expectRelative(sortinoRatio(MIXED), 2.605531251673693, 1e-14);
    // required_return = flat_line_1 (0.01 a day) = riskFree 2.52 a year at P = 252
    expectRelative(sortinoRatio(MIXED, { riskFree: 2.52 }), -1.3934779588919977, 1e-14);
    expectRelative(sortinoRatio(NEGATIVE), -13.532743075043401, 1e-14);
    expectRelative(sortinoRatio(ONE), 3.0639640966566306, 1e-14);
    expectRelative(sortinoRatio(TWO), 38.090963117002495, 1e-14);
  });

  it("is mean·P / DD: [−0.02, 0.04], P = 4 → 0.01·4 / 0.028284 = √2", () => {
    expectRelative(sortinoRatio([-0.02, 0.04], { periodsPerYear: 4 }), Math.SQRT2, 1e-15);
  });

  it("is an error, not infinity, when no return falls below the risk-free rate", () => {
    // empyrical: positive_returns and simple_benchmark → inf
    expect(() => sortinoRatio(POSITIVE)).toThrowError(/downside deviation is 0/);
    expect(() => sortinoRatio(SIMPLE_BENCHMARK)).toThrowError(/downside deviation is 0/);
  });
});

describe("on real fixture data, against a naive second implementation", () => {
  const table = parsePriceCsv(
    readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
  );
  const spy = parsePriceCsv(
    readFileSync(new URL("../tests/fixtures/datasets/spy.csv", import.meta.url), "utf8"),
  );
  const series = [...tableReturns(table), ...tableReturns(spy)].filter(([s]) =>
    ["AAPL", "GE", "AMZN", "SHLD", "SPY"].includes(s),
  );

  const naiveMean = (x: readonly number[]): number => {
    let s = 0;
    for (const v of x) s += v;
    return s / x.length;
  };
  const naiveStd = (x: readonly number[]): number => {
    const m = naiveMean(x);
    let s = 0;
    for (const v of x) s += (v - m) ** 2;
    return Math.sqrt(s / (x.length - 1));
  };

  for (const [symbol, { returns }] of series) {
    it(`agrees to 1e-12 on ${symbol} (${returns.length} returns) at rf = 3%`, () => {
      const P = 252;
      const rf = 0.03;
      let wealth = 1;
      for (const r of returns) wealth *= 1 + r;
      const excess = returns.map((r) => r - rf / P);
      const downside = Math.sqrt(naiveMean(excess.map((e) => Math.min(e, 0) ** 2)) * P);
      const options = { periodsPerYear: P, riskFree: rf };
      expectRelative(cumulativeReturn(returns), wealth - 1, 1e-12);
      expectRelative(annualReturn(returns), wealth ** (P / returns.length) - 1, 1e-12);
      expectRelative(annualVolatility(returns), naiveStd(returns) * Math.sqrt(P), 1e-12);
      expectRelative(
        sharpeRatio(returns, options),
        (naiveMean(excess) / naiveStd(excess)) * Math.sqrt(P),
        1e-12,
      );
      expectRelative(downsideDeviation(returns, options), downside, 1e-12);
      expectRelative(sortinoRatio(returns, options), (naiveMean(excess) * P) / downside, 1e-12);
    });
  }
});
