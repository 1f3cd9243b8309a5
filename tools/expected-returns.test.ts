import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import {
  arithmeticExpectedReturns,
  ewmaExpectedReturns,
  expectedReturns,
  geometricExpectedReturns,
} from "./expected-returns.js";
import { parsePriceCsv } from "./price-table.js";
import { returnMatrix, returnMatrixFromColumns, type ReturnMatrix } from "./return-matrix.js";

const equities = parsePriceCsv(
  readFileSync(new URL("../tests/fixtures/datasets/us-equities-20.csv", import.meta.url), "utf8"),
);

function toolErrorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

// PyPortfolioOpt tests/test_expected_returns.py::test_mean_historical_returns_dummy (the first
// three columns; the fourth has negative prices, which a price table refuses).
const dummy = returnMatrix({
  dates: ["1", "2", "3", "4", "5"],
  symbols: ["a", "b", "c"],
  columns: [
    [4.0, 4.2, 3.9, 4.3, 4.1],
    [2.0, 2.1, 2.0, 2.1, 2.2],
    [0.6, 0.59, 0.58, 0.62, 0.63],
  ],
});

/** pandas' own ewm(adjust=True, ignore_na=False).mean() recursion (pandas/_libs/window/aggregations.pyx `ewm`), read on the last row. */
function pandasEwmMeanLast(values: readonly (number | null)[], span: number): number {
  const alpha = 2 / (span + 1);
  const oldWtFactor = 1 - alpha;
  const newWt = 1;
  let weighted: number | null = null;
  let oldWt = 1;
  for (const cur of values) {
    if (weighted === null) {
      if (cur !== null) weighted = cur;
      continue;
    }
    oldWt *= oldWtFactor; // ignore_na=False: every row ages the old weight
    if (cur !== null) {
      if (weighted !== cur) weighted = (oldWt * weighted + newWt * cur) / (oldWt + newWt);
      oldWt += newWt;
    }
  }
  if (weighted === null) throw new Error("no observation");
  return weighted;
}

function column(m: ReturnMatrix, j: number): (number | null)[] {
  const v = m.values[j] as Float64Array;
  const p = m.present[j] as Uint8Array;
  return Array.from(v, (x, t) => (p[t] === 1 ? x : null));
}

describe("geometricExpectedReturns", () => {
  it("matches PyPortfolioOpt's mean_historical_return on its dummy prices (frequency 1)", () => {
    const mu = geometricExpectedReturns(dummy, 1);
    // Published to rtol 1e-3; e.g. a: (4.1/4)^(1/4) − 1.
    [0.0061922, 0.0241137, 0.0122722].forEach((expected, j) => {
      expect(Math.abs((mu[j] as number) - expected)).toBeLessThan(1e-3 * Math.abs(expected));
    });
    expect(mu[0]).toBeCloseTo(Math.pow(4.1 / 4, 1 / 4) - 1, 14);
  });

  it("matches PyPortfolioOpt's published mean_historical_return on the 20-equity fixture to 6 decimals", () => {
    // tests/test_expected_returns.py::test_mean_historical_returns (assert_array_almost_equal, decimal 6)
    const correct = [
      0.247967, 0.294304, 0.284037, 0.1923164, 0.371327, 0.1360093, 0.0328503, 0.1200115, 0.10554,
      0.0423457, 0.1002559, 0.1442237, -0.0792602, 0.1430506, 0.0736356, 0.238835, 0.388665,
      0.226717, 0.1561701, 0.2318153,
    ];
    const mu = expectedReturns(returnMatrix(equities));
    expect(mu).toHaveLength(20);
    mu.forEach((value, j) => {
      expect(Math.abs(value - (correct[j] as number))).toBeLessThan(1.5e-6);
    });
  });

  it("gives the same figure from log returns as from simple returns", () => {
    const simple = geometricExpectedReturns(returnMatrix(equities));
    const log = geometricExpectedReturns(returnMatrix(equities, "log"));
    log.forEach((value, j) => {
      expect(Math.abs(value - (simple[j] as number))).toBeLessThan(1e-12 * Math.abs(value) + 1e-15);
    });
  });

  it("compounds across an internal gap from the last available price", () => {
    // Prices 10, 12, (gap), 9, 9.9 → returns 0.2, −0.25, 0.1 on their own 3 dates: Π = 9.9/10.
    const m = returnMatrix({
      dates: ["a", "b", "c", "d", "e"],
      symbols: ["X", "Y"],
      columns: [
        [10, 12, null, 9, 9.9],
        [1, 1, 1, 1, 1],
      ],
    });
    expect(geometricExpectedReturns(m, 3)[0]).toBeCloseTo(0.99 - 1, 14);
  });
});

describe("arithmeticExpectedReturns", () => {
  it("matches PyPortfolioOpt's mean_historical_return(compounding=False) on its dummy prices", () => {
    const mu = arithmeticExpectedReturns(dummy, 1);
    [0.008656, 0.025, 0.0128697].forEach((expected, j) => {
      expect(Math.abs((mu[j] as number) - expected)).toBeLessThan(1e-3 * Math.abs(expected));
    });
  });

  it("annualises the mean by P: mean(0.01, 0.03) · 252", () => {
    expect(arithmeticExpectedReturns(returnMatrixFromColumns([[0.01, 0.03]]), 252)[0]).toBeCloseTo(
      5.04,
      13,
    );
    expect(
      expectedReturns(returnMatrixFromColumns([[0.01, 0.03]]), { method: "arithmetic" })[0],
    ).toBeCloseTo(5.04, 13);
  });

  it("scales linearly with the frequency, as PyPortfolioOpt's frequency test checks", () => {
    const m = returnMatrix(equities);
    const a = arithmeticExpectedReturns(m, 252);
    const b = arithmeticExpectedReturns(m, 52);
    a.forEach((v, j) => expect(v / 252).toBeCloseTo((b[j] as number) / 52, 15));
  });
});

describe("ewmaExpectedReturns", () => {
  it("weights the last return most: span 3 on 0.04, 0.02, 0.01 gives 0.03 / 1.75", () => {
    // α = 2/(3 + 1) = 1/2; weights 1/4, 1/2, 1; Σ w r = 0.01 + 0.01 + 0.01; Σ w = 1.75.
    const mu = ewmaExpectedReturns(returnMatrixFromColumns([[0.04, 0.02, 0.01]]), {
      span: 3,
      periodsPerYear: 1,
    });
    expect(mu[0]).toBeCloseTo(0.03 / 1.75, 15);
  });

  it("lets a missing date age the older weights (pandas ignore_na=False)", () => {
    // X: returns 0.04 on d1, none on d2, 0.01 on d3 → weights 1/4 and 1: (0.01 + 0.01)/1.25.
    const m: ReturnMatrix = {
      kind: "simple",
      dates: ["d1", "d2", "d3"],
      symbols: ["X", "Y"],
      values: [Float64Array.from([0.04, 0, 0.01]), Float64Array.from([0.01, 0.02, 0.03])],
      present: [Uint8Array.from([1, 0, 1]), Uint8Array.from([1, 1, 1])],
    };
    expect(ewmaExpectedReturns(m, { span: 3, periodsPerYear: 1 })[0]).toBeCloseTo(0.016, 15);
  });

  it("equals pandas' ewm recursion on every asset of the fixture (span 500 and 30)", () => {
    const m = returnMatrix(equities);
    for (const span of [500, 30]) {
      const mu = expectedReturns(m, { method: "ewma", span });
      m.symbols.forEach((_, j) => {
        const expected = pandasEwmMeanLast(column(m, j), span) * 252;
        expect(Math.abs((mu[j] as number) - expected)).toBeLessThan(1e-12 * Math.abs(expected));
      });
    }
  });

  it("tends to the arithmetic mean as the span grows (PyPortfolioOpt's limit test)", () => {
    const m = returnMatrix(equities);
    const ema = ewmaExpectedReturns(m, { span: 1e10 });
    const sma = arithmeticExpectedReturns(m);
    ema.forEach((v, j) => expect(Math.abs(v - (sma[j] as number))).toBeLessThan(1e-6));
  });
});

describe("expectedReturns", () => {
  it("defaults to geometric with P = 252", () => {
    const m = returnMatrix(equities);
    expect(expectedReturns(m)).toEqual(geometricExpectedReturns(m, 252));
  });

  it("names the asset that has fewer than 2 returns", () => {
    const m = returnMatrix({
      dates: ["a", "b", "c"],
      symbols: ["OLD", "NEW"],
      columns: [
        [1, 2, 3],
        [null, 5, 6],
      ],
    });
    expect(toolErrorOf(() => expectedReturns(m))).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "matrix.NEW",
    });
    for (const method of ["arithmetic", "ewma"] as const) {
      expect(toolErrorOf(() => expectedReturns(m, { method })).field).toBe("matrix.NEW");
    }
  });

  it("rejects an unknown method, a non-positive frequency and a span below 1", () => {
    const m = returnMatrixFromColumns([[0.01, 0.02]]);
    expect(
      toolErrorOf(() => expectedReturns(m, { method: "median" as unknown as "geometric" })).field,
    ).toBe("method");
    expect(toolErrorOf(() => expectedReturns(m, { periodsPerYear: 0 })).field).toBe(
      "periodsPerYear",
    );
    expect(toolErrorOf(() => expectedReturns(m, { method: "ewma", span: 0 })).field).toBe("span");
  });
});
