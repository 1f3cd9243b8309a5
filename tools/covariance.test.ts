import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  covarianceMatrix,
  ewmaCovarianceMatrix,
  pairwiseComoments,
  sampleCovarianceMatrix,
} from "./covariance.js";
import { isToolError } from "./errors.js";
import { ledoitWolf } from "./ledoit-wolf.js";
import type { PriceTable } from "./price-table.js";
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

/** Each asset's returns as (number | null) per date. */
function columns(m: ReturnMatrix): (number | null)[][] {
  return m.values.map((v, j) => {
    const p = m.present[j] as Uint8Array;
    return Array.from(v, (x, t) => (p[t] === 1 ? x : null));
  });
}

/** Naive pandas DataFrame.cov(): per pair, the shared dates, two-pass with pair means, ddof 1. */
function naivePairCov(a: (number | null)[], b: (number | null)[]): number {
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
  let s = 0;
  for (let k = 0; k < xs.length; k++) s += ((xs[k] as number) - mx) * ((ys[k] as number) - my);
  return s / (xs.length - 1);
}

/** PyPortfolioOpt's _pair_exp_cov: own-history means, covariation.ewm(span).mean().iloc[-1] (pandas recursion). */
function naivePairExpCov(a: (number | null)[], b: (number | null)[], span: number): number {
  const mean = (c: (number | null)[]): number => {
    const v = c.filter((x): x is number => x !== null);
    return v.reduce((s, x) => s + x, 0) / v.length;
  };
  const ma = mean(a);
  const mb = mean(b);
  const alpha = 2 / (span + 1);
  let weighted: number | null = null;
  let oldWt = 1;
  a.forEach((x, t) => {
    const y = b[t];
    const cur = x !== null && y !== null && y !== undefined ? (x - ma) * (y - mb) : null;
    if (weighted === null) {
      if (cur !== null) weighted = cur;
      return;
    }
    oldWt *= 1 - alpha;
    if (cur !== null) {
      if (weighted !== cur) weighted = (oldWt * weighted + cur) / (oldWt + 1);
      oldWt += 1;
    }
  });
  if (weighted === null) throw new Error("no shared date");
  return weighted;
}

function expectRelativelyClose(actual: number[][], expected: number[][], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  expected.forEach((row, i) =>
    row.forEach((e, j) => {
      const a = (actual[i] as number[])[j] as number;
      worst = Math.max(worst, Math.abs(a - e) / Math.abs(e));
    }),
  );
  expect(worst).toBeLessThan(tol);
}

/** The fixture with some prices removed inside series, so that several assets have internal gaps. */
function withGaps(table: PriceTable): PriceTable {
  const columns = table.columns.map((col, j) =>
    col.map((p, t) => (j % 4 === 1 && t % 97 === 13 && t > 4000 ? null : p)),
  );
  return { ...table, columns };
}

describe("sampleCovarianceMatrix", () => {
  it("reproduces PyPortfolioOpt's test_sample_cov_dummy (sample_cov(prices) / 252)", () => {
    const m = returnMatrix({
      dates: ["1", "2", "3", "4", "5"],
      symbols: ["a", "b", "c"],
      columns: [
        [4.0, 4.2, 3.9, 4.3, 4.1],
        [2.0, 2.1, 2.0, 2.1, 2.2],
        [0.6, 0.59, 0.58, 0.62, 0.63],
      ],
    });
    const published = [
      [0.006661687937656102, 0.00264970955585574, 0.0020849735375206195],
      [0.00264970955585574, 0.0023450491307634215, 0.00096770864287974],
      [0.0020849735375206195, 0.00096770864287974, 0.0016396416271856837],
    ];
    expectRelativelyClose(sampleCovarianceMatrix(m, 1), published, 1e-13);
    expectRelativelyClose(
      sampleCovarianceMatrix(m).map((row) => row.map((v) => v / 252)),
      published,
      1e-13,
    );
  });

  it("works the hand example: cov([1,2,3],[2,4,7]) = 2.5 (ddof 1)", () => {
    const m = returnMatrixFromColumns([
      [1, 2, 3],
      [2, 4, 7],
    ]);
    const c = sampleCovarianceMatrix(m, 1);
    expect(c[0]).toEqual([1, 2.5]);
    expect(c[1]?.[0]).toBe(2.5);
    expect(c[1]?.[1]).toBeCloseTo(19 / 3, 14); // ((7/3)² + (1/3)² + (8/3)²)/2 = 114/18
    const moments = pairwiseComoments(m);
    expect(Array.from(moments.count)).toEqual([3, 3, 3, 3]);
    // Deviations from the means 2 and 13/3: (−1, 0, 1) and (−7/3, −1/3, 8/3).
    expect(moments.comoment[0]).toBeCloseTo(2, 14);
    expect(moments.comoment[1]).toBeCloseTo(5, 14);
    expect(moments.comoment[2]).toBeCloseTo(5, 14);
    expect(moments.comoment[3]).toBeCloseTo(38 / 3, 14);
    const result = covarianceMatrix(m, { periodsPerYear: 1 });
    expect(result.matrix).toEqual(c);
    expect(result.repaired).toBe(false);
  });

  it("equals a naive per-pair implementation to 1e-12 on the fixture (different start dates), with both Gram kernels", () => {
    const m = returnMatrix(equities);
    const cols = columns(m);
    const naive = cols.map((a) => cols.map((b) => naivePairCov(a, b) * 252));
    expectRelativelyClose(sampleCovarianceMatrix(m), naive, 1e-12);
    expectRelativelyClose(sampleCovarianceMatrix(m, 252, "js"), naive, 1e-12);
  });

  it("equals the naive per-pair implementation when some assets have internal gaps", () => {
    const m = returnMatrix(withGaps(equities));
    const cols = columns(m);
    const naive = cols.map((a) => cols.map((b) => naivePairCov(a, b) * 252));
    expectRelativelyClose(sampleCovarianceMatrix(m), naive, 1e-12);
  });

  it("scales with the frequency as PyPortfolioOpt's test_sample_cov_frequency checks (S/126 = S at P = 2)", () => {
    const m = returnMatrix(equities);
    const a = sampleCovarianceMatrix(m);
    const b = sampleCovarianceMatrix(m, 2);
    expectRelativelyClose(
      a.map((row) => row.map((v) => v / 126)),
      b,
      1e-15,
    );
  });

  it("names a pair that shares fewer than 2 dates and an asset with fewer than 2 returns", () => {
    const m: ReturnMatrix = {
      kind: "simple",
      dates: ["1", "2", "3", "4"],
      symbols: ["A", "B"],
      values: [Float64Array.from([0.1, 0.2, 0, 0]), Float64Array.from([0, 0.3, 0.1, 0.2])],
      present: [Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([0, 1, 1, 1])],
    };
    expect(toolErrorOf(() => sampleCovarianceMatrix(m))).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "matrix.A,B",
    });
    const single: ReturnMatrix = {
      ...m,
      values: [Float64Array.from([0.1, 0, 0, 0]), m.values[1] as Float64Array],
      present: [Uint8Array.from([1, 0, 0, 0]), m.present[1] as Uint8Array],
    };
    expect(toolErrorOf(() => sampleCovarianceMatrix(single)).field).toBe("matrix.A");
  });
});

describe("ewmaCovarianceMatrix", () => {
  it("works the hand example: span 3 on [1, 2, 3] gives 5/7", () => {
    // α = 1/2, weights 1/4, 1/2, 1 on squared deviations 1, 0, 1 from the mean 2: (1/4 + 1)/(7/4).
    const c = ewmaCovarianceMatrix(returnMatrixFromColumns([[1, 2, 3]]), {
      span: 3,
      periodsPerYear: 1,
    });
    expect(c[0]?.[0]).toBeCloseTo(5 / 7, 15);
  });

  it("equals PyPortfolioOpt's exp_cov pair recursion on the fixture (span 180 and 30)", () => {
    const m = returnMatrix(equities);
    const cols = columns(m);
    for (const span of [180, 30]) {
      const naive = cols.map((a) => cols.map((b) => naivePairExpCov(a, b, span) * 252));
      expectRelativelyClose(ewmaCovarianceMatrix(m, { span }), naive, 1e-12);
    }
  });

  it("equals the pair recursion when assets have internal gaps", () => {
    const m = returnMatrix(withGaps(equities));
    const cols = columns(m);
    const naive = cols.map((a) => cols.map((b) => naivePairExpCov(a, b, 60) * 252));
    expectRelativelyClose(ewmaCovarianceMatrix(m, { span: 60 }), naive, 1e-12);
  });

  it("stays exact when a pair's last shared date is so old that its weights underflow", () => {
    // A's returns stop 1,200 dates before the end; with span 2 (α = 2/3) (1/3)^1200 underflows.
    const T = 1300;
    const a = Array.from({ length: T }, (_, t) => (t < 100 ? 0.01 * Math.sin(t) : null));
    const b = Array.from({ length: T }, (_, t) => 0.02 * Math.cos(0.7 * t));
    const m: ReturnMatrix = {
      kind: "simple",
      dates: a.map((_, t) => String(t)),
      symbols: ["A", "B"],
      values: [Float64Array.from(a, (x) => x ?? 0), Float64Array.from(b)],
      present: [Uint8Array.from(a, (x) => (x === null ? 0 : 1)), new Uint8Array(T).fill(1)],
    };
    const c = ewmaCovarianceMatrix(m, { span: 2, periodsPerYear: 1 });
    expect(c[0]?.[1]).toBeCloseTo(naivePairExpCov(a, b, 2), 15);
    expect(c[0]?.[0]).toBeCloseTo(naivePairExpCov(a, a, 2), 15);
    expect(Number.isFinite(c[0]?.[1])).toBe(true);
  });

  it("tends to the sample covariance as the span grows (PyPortfolioOpt's test_exp_cov_limits)", () => {
    const m = returnMatrix(equities);
    const sample = sampleCovarianceMatrix(m);
    const wide = ewmaCovarianceMatrix(m, { span: 1e20 });
    const narrow = ewmaCovarianceMatrix(m);
    let worstWide = 0;
    let worstNarrow = 0;
    sample.forEach((row, i) =>
      row.forEach((s, j) => {
        worstWide = Math.max(worstWide, Math.abs((wide[i]?.[j] as number) - s));
        worstNarrow = Math.max(worstNarrow, Math.abs((narrow[i]?.[j] as number) - s));
      }),
    );
    expect(worstWide).toBeLessThan(1e-3);
    expect(worstNarrow).toBeGreaterThan(1e-3);
  });
});

describe("covarianceMatrix", () => {
  it("defaults to the sample method with P = 252 and reports a PSD estimate as not repaired", () => {
    const m = returnMatrix(equities);
    const r = covarianceMatrix(m);
    expect(r.method).toBe("sample");
    expect(r.periodsPerYear).toBe(252);
    expect(r.repaired).toBe(false);
    expect(r.repair).toBeUndefined();
    expect(r.symbols).toEqual(equities.symbols);
    expect(r.matrix).toEqual(sampleCovarianceMatrix(m));
  });

  it("dispatches to Ledoit–Wolf and EWMA and reports their parameters", () => {
    const m = returnMatrix(equities);
    const lw = covarianceMatrix(m, { method: "ledoit-wolf" });
    const direct = ledoitWolf(m);
    expect(lw.shrinkage).toBe(direct.shrinkage);
    expect(lw.shrinkageTarget).toBe("constant-variance");
    expect(lw.observations).toBe(direct.observations);
    expect(lw.matrix).toEqual(direct.matrix);
    const cc = covarianceMatrix(m, {
      method: "ledoit-wolf",
      shrinkageTarget: "constant-correlation",
    });
    expect(cc.shrinkageTarget).toBe("constant-correlation");
    const ew = covarianceMatrix(m, { method: "ewma", span: 60, periodsPerYear: 52 });
    expect(ew.span).toBe(60);
    expect(ew.matrix).toEqual(ewmaCovarianceMatrix(m, { span: 60, periodsPerYear: 52 }));
  });

  it("repairs and flags a pairwise matrix that is not PSD", () => {
    // Three assets, each pair sharing a different three-date window (masks below):
    // A, B share dates 0–2 and move together; B, C share 3–5 together; A, C share 6–8, opposite.
    // Each series is [1, 2, 3, 1, 2, 3] on its own six dates (mean 2, Σ dev² = 4, variance 0.8).
    // Pairwise: cov = var([1,2,3]) = ±1, so Σ = 0.8·I + [[0,1,−1],[1,0,1],[−1,1,0]] whose
    // eigenvalues are 0.8 + {1, 1, −2} = 1.8, 1.8, −1.2 (det(B − λI) = −(λ − 1)²(λ + 2)).
    const v = (xs: number[]): Float64Array => Float64Array.from(xs);
    const p = (xs: number[]): Uint8Array => Uint8Array.from(xs);
    const m: ReturnMatrix = {
      kind: "simple",
      dates: ["0", "1", "2", "3", "4", "5", "6", "7", "8"],
      symbols: ["A", "B", "C"],
      values: [
        v([1, 2, 3, 0, 0, 0, 1, 2, 3]),
        v([1, 2, 3, 1, 2, 3, 0, 0, 0]),
        v([0, 0, 0, 1, 2, 3, 3, 2, 1]),
      ],
      present: [
        p([1, 1, 1, 0, 0, 0, 1, 1, 1]),
        p([1, 1, 1, 1, 1, 1, 0, 0, 0]),
        p([0, 0, 0, 1, 1, 1, 1, 1, 1]),
      ],
    };
    const raw = sampleCovarianceMatrix(m, 1);
    expect(raw[0]?.[0]).toBeCloseTo(0.8, 14);
    expect(raw[0]?.[1]).toBeCloseTo(1, 14);
    expect(raw[0]?.[2]).toBeCloseTo(-1, 14);
    const r = covarianceMatrix(m, { periodsPerYear: 1 });
    expect(r.repaired).toBe(true);
    expect(r.repair?.method).toBe("spectral-clip");
    expect(r.repair?.minEigenvalueBefore).toBeCloseTo(-1.2, 12);
    expect(r.repair?.clippedEigenvalues).toBe(1);
    // Clipping −1.2 along v = (1, −1, 1)/√3 adds 0.4·[[1,−1,1],[−1,1,−1],[1,−1,1]].
    expect(r.matrix[0]?.[0]).toBeCloseTo(1.2, 12);
    expect(r.matrix[0]?.[1]).toBeCloseTo(0.6, 12);
    expect(r.matrix[0]?.[2]).toBeCloseTo(-0.6, 12);
  });

  it("rejects an unknown method and a non-positive frequency", () => {
    const m = returnMatrixFromColumns([[0.01, 0.02, 0.03]]);
    expect(
      toolErrorOf(() => covarianceMatrix(m, { method: "robust" as unknown as "sample" })).field,
    ).toBe("method");
    expect(toolErrorOf(() => covarianceMatrix(m, { periodsPerYear: -1 })).field).toBe(
      "periodsPerYear",
    );
    expect(toolErrorOf(() => covarianceMatrix(m, { method: "ewma", span: 0.2 })).field).toBe(
      "span",
    );
  });
});
