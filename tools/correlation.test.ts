import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { correlationFromCovariance, correlationMatrix } from "./correlation.js";
import { sampleCovarianceMatrix } from "./covariance.js";
import { isToolError } from "./errors.js";
import { parsePriceCsv } from "./price-table.js";
import { returnMatrix, returnMatrixFromColumns, returnMatrixFromRows } from "./return-matrix.js";

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

/** Naive pandas DataFrame.corr() for one pair: shared dates, pair means and pair standard deviations. */
function naivePairCorr(a: (number | null)[], b: (number | null)[]): number {
  const xs: number[] = [];
  const ys: number[] = [];
  a.forEach((x, t) => {
    const y = b[t];
    if (x !== null && y !== null && y !== undefined) {
      xs.push(x);
      ys.push(y);
    }
  });
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
  const my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, k) => {
    const y = ys[k] as number;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe("correlationFromCovariance", () => {
  it("divides by the standard deviations: [[4, 2], [2, 9]] → 2 / (2 · 3) = 1/3", () => {
    const r = correlationFromCovariance([
      [4, 2],
      [2, 9],
    ]);
    expect(r[0]).toEqual([1, 1 / 3]);
    expect(r[1]).toEqual([1 / 3, 1]);
  });

  it("equals pandas .corr() on complete data, as PyPortfolioOpt's test_cov_to_corr checks", () => {
    // returns_from_prices(df).dropna(): only the dates every asset has.
    const full = returnMatrix(equities);
    const rows: number[][] = [];
    for (let t = 0; t < full.dates.length; t++) {
      if (full.present.every((p) => p[t] === 1)) rows.push(full.values.map((v) => v[t] as number));
    }
    const m = returnMatrixFromRows(rows);
    const fromCov = correlationFromCovariance(sampleCovarianceMatrix(m));
    const cols = m.values.map((v) => Array.from(v) as (number | null)[]);
    fromCov.forEach((row, i) =>
      row.forEach((r, j) => {
        const expected = i === j ? 1 : naivePairCorr(cols[i] ?? [], cols[j] ?? []);
        expect(Math.abs(r - expected)).toBeLessThan(1e-13);
      }),
    );
  });

  it("refuses a zero variance and an implied correlation beyond ±1", () => {
    expect(
      toolErrorOf(() =>
        correlationFromCovariance([
          [0, 0],
          [0, 1],
        ]),
      ),
    ).toEqual({ code: "INSUFFICIENT_DATA", field: "covariance[0][0]" });
    expect(
      toolErrorOf(() =>
        correlationFromCovariance([
          [1, 2],
          [2, 1],
        ]),
      ).field,
    ).toBe("covariance[0][1]");
  });
});

describe("correlationMatrix", () => {
  it("works the hand example: 5 / √(2 · 38/3)", () => {
    // x = [1, 2, 3], y = [2, 4, 7]: Σ dx dy = 5, Σ dx² = 2, Σ dy² = 38/3.
    const r = correlationMatrix(
      returnMatrixFromColumns([
        [1, 2, 3],
        [2, 4, 7],
      ]),
    );
    expect(r[0]?.[1]).toBeCloseTo(5 / Math.sqrt((2 * 38) / 3), 15);
    expect(r[1]?.[0]).toBe(r[0]?.[1]);
    expect(r[0]?.[0]).toBe(1);
  });

  it("equals a naive pairwise pandas .corr() on the fixture (different start dates), with both kernels", () => {
    const m = returnMatrix(equities);
    const cols = m.values.map((v, j) => {
      const p = m.present[j] as Uint8Array;
      return Array.from(v, (x, t) => (p[t] === 1 ? x : null));
    });
    for (const kernel of ["wasm-simd", "js"] as const) {
      const r = correlationMatrix(m, kernel);
      r.forEach((row, i) =>
        row.forEach((value, j) => {
          const expected = i === j ? 1 : naivePairCorr(cols[i] ?? [], cols[j] ?? []);
          expect(Math.abs(value - expected)).toBeLessThan(1e-12);
        }),
      );
    }
  });

  it("names a pair on whose shared dates one asset is constant", () => {
    const m = returnMatrixFromColumns(
      [
        [0.01, 0.02, 0.03],
        [0.01, 0.01, 0.01],
      ],
      { symbols: ["X", "FLAT"] },
    );
    expect(toolErrorOf(() => correlationMatrix(m))).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "matrix.X,FLAT",
    });
  });
});
