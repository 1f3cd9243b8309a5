import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import { ledoitWolf } from "./ledoit-wolf.js";
import { parsePriceCsv } from "./price-table.js";
import { returnMatrix, returnMatrixFromRows, type ReturnMatrix } from "./return-matrix.js";

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

/** Rows (T × p) of the dates on which every asset has a return, centred on their means. */
function centredCompleteRows(m: ReturnMatrix): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < m.dates.length; t++) {
    if (m.present.every((p) => p[t] === 1)) rows.push(m.values.map((v) => v[t] as number));
  }
  const p = m.symbols.length;
  const means = Array.from(
    { length: p },
    (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / rows.length,
  );
  return rows.map((r) => r.map((x, j) => x - (means[j] as number)));
}

function empiricalCov(x: number[][]): number[][] {
  const T = x.length;
  const p = (x[0] as number[]).length;
  return Array.from({ length: p }, (_, i) =>
    Array.from(
      { length: p },
      (_, j) => x.reduce((s, r) => s + (r[i] as number) * (r[j] as number), 0) / T,
    ),
  );
}

/** sklearn's tests/test_covariance.py::_naive_ledoit_wolf_shrinkage, transcribed (X centred). */
function naiveSklearnShrinkage(x: number[][]): number {
  const n = x.length;
  const p = (x[0] as number[]).length;
  const emp = empiricalCov(x);
  const mu = emp.reduce((s, row, i) => s + (row[i] as number), 0) / p;
  let delta = 0;
  emp.forEach((row, i) => row.forEach((v, j) => (delta += (v - (i === j ? mu : 0)) ** 2)));
  delta /= p;
  // np.dot(X2.T, X2) / n_samples − emp_cov ** 2, summed.
  let beta = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (const r of x) s += (r[i] as number) ** 2 * (r[j] as number) ** 2;
      beta += s / n - ((emp[i] as number[])[j] as number) ** 2;
    }
  }
  beta /= p * n;
  return Math.min(beta, delta) / delta;
}

/** Ledoit & Wolf's covCor.m, transcribed with its matrices (x centred). */
function naiveCovCor(x: number[][]): { sigma: number[][]; shrinkage: number } {
  const t = x.length;
  const n = (x[0] as number[]).length;
  const sample = empiricalCov(x);
  const v = sample.map((row, i) => row[i] as number);
  const sq = v.map(Math.sqrt);
  let rSum = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      rSum += ((sample[i] as number[])[j] as number) / ((sq[i] as number) * (sq[j] as number));
  const rBar = (rSum - n) / (n * (n - 1));
  const prior = sample.map((row, i) =>
    row.map((_, j) => (i === j ? (v[i] as number) : rBar * (sq[i] as number) * (sq[j] as number))),
  );
  const mat = (f: (i: number, j: number) => number): number[][] =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j)));
  const sumOver = (fn: (r: number[]) => number): number => x.reduce((s, r) => s + fn(r), 0);
  const S = (i: number, j: number): number => (sample[i] as number[])[j] as number;
  // phiMat = y'y/t − 2(x'x).*sample/t + sample.^2
  const phiMat = mat(
    (i, j) =>
      sumOver((r) => (r[i] as number) ** 2 * (r[j] as number) ** 2) / t -
      (2 * sumOver((r) => (r[i] as number) * (r[j] as number)) * S(i, j)) / t +
      S(i, j) ** 2,
  );
  const phi = phiMat.flat().reduce((s, z) => s + z, 0);
  const term1 = mat((i, j) => sumOver((r) => (r[i] as number) ** 3 * (r[j] as number)) / t);
  const help = mat((i, j) => sumOver((r) => (r[i] as number) * (r[j] as number)) / t);
  const term2 = mat((i, j) => ((help[i] as number[])[i] as number) * S(i, j));
  const term3 = mat((i, j) => ((help[i] as number[])[j] as number) * (v[i] as number));
  const term4 = mat((i, j) => (v[i] as number) * S(i, j));
  const theta = mat((i, j) =>
    i === j
      ? 0
      : ((term1[i] as number[])[j] as number) -
        ((term2[i] as number[])[j] as number) -
        ((term3[i] as number[])[j] as number) +
        ((term4[i] as number[])[j] as number),
  );
  let rho = phiMat.reduce((s, row, i) => s + (row[i] as number), 0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      rho += rBar * ((sq[j] as number) / (sq[i] as number)) * ((theta[i] as number[])[j] as number);
  let gamma = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) gamma += (S(i, j) - ((prior[i] as number[])[j] as number)) ** 2;
  const shrinkage = Math.max(0, Math.min(1, (phi - rho) / gamma / t));
  return {
    sigma: mat(
      (i, j) => shrinkage * ((prior[i] as number[])[j] as number) + (1 - shrinkage) * S(i, j),
    ),
    shrinkage,
  };
}

function maxRelative(a: number[][], b: number[][]): number {
  let worst = 0;
  b.forEach((row, i) =>
    row.forEach(
      (e, j) =>
        (worst = Math.max(worst, Math.abs(((a[i] as number[])[j] as number) - e) / Math.abs(e))),
    ),
  );
  return worst;
}

describe("ledoitWolf (constant-variance target)", () => {
  it("works the hand example to δ* = 17/18", () => {
    // x = [[0.1, 0], [−0.1, 0], [0, 0.2], [0, −0.2]] (means 0); in units of 0.1:
    // S = diag(1/2, 2), μ = 5/4, δ² = ‖S − μI‖²/2 = 9/16; Σ_t‖x_t‖⁴/T = (1 + 1 + 16 + 16)/4 = 17/2;
    // ‖S‖² = 17/4; β̄² = (17/2 − 17/4)/(2·4) = 17/32 < 9/16, so δ* = (17/32)/(9/16) = 17/18.
    const r = ledoitWolf(
      returnMatrixFromRows([
        [0.1, 0],
        [-0.1, 0],
        [0, 0.2],
        [0, -0.2],
      ]),
      { periodsPerYear: 1 },
    );
    expect(r.shrinkage).toBeCloseTo(17 / 18, 14);
    // (1 − 17/18)·S + (17/18)(5/4)·I, × 0.01: diagonal (1/36 + 85/72)/100 = 87/7200, (4/36 + 85/72)/100 = 93/7200.
    expect(r.matrix[0]?.[0]).toBeCloseTo(87 / 7200, 15);
    expect(r.matrix[1]?.[1]).toBeCloseTo(93 / 7200, 15);
    expect(r.matrix[0]?.[1]).toBe(0);
    expect(r.observations).toBe(4);
  });

  it("equals sklearn's naive Ledoit–Wolf formulas on the fixture's complete cases, annualised", () => {
    const m = returnMatrix(equities);
    const x = centredCompleteRows(m);
    // BABA lists last (896 prices → 895 returns) and every other asset trades on those dates.
    expect(x.length).toBe(895);
    const shrinkage = naiveSklearnShrinkage(x);
    const r = ledoitWolf(m);
    expect(r.observations).toBe(895);
    expect(Math.abs(r.shrinkage - shrinkage)).toBeLessThan(1e-12 * shrinkage);
    expect(r.shrinkage).toBeGreaterThan(0);
    expect(r.shrinkage).toBeLessThan(1);
    const emp = empiricalCov(x);
    const mu = emp.reduce((s, row, i) => s + (row[i] as number), 0) / emp.length;
    const expected = emp.map((row, i) =>
      row.map((v, j) => ((1 - shrinkage) * v + (i === j ? shrinkage * mu : 0)) * 252),
    );
    expect(maxRelative(r.matrix, expected)).toBeLessThan(1e-12);
  });

  it("reduces to the population variance for a single asset (sklearn's X_1d case)", () => {
    const r = ledoitWolf(returnMatrixFromRows([[1], [2], [4]]), { periodsPerYear: 1 });
    // mean 7/3; deviations −4/3, −1/3, 5/3; Σ dev² = 42/9; / 3 = 14/9.
    expect(r.shrinkage).toBe(0);
    expect(r.matrix[0]?.[0]).toBeCloseTo(14 / 9, 15);
  });

  it("keeps the shrinkage within [0, 1] on random data (both targets)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 3, max: 12 }),
        fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 72, maxLength: 72 }),
        (p, T, pool) => {
          const rows = Array.from({ length: T }, (_, t) =>
            Array.from(
              { length: p },
              (_, j) => (pool[(t * p + j) % pool.length] as number) + 0.001 * t * (j + 1),
            ),
          );
          const m = returnMatrixFromRows(rows);
          const a = ledoitWolf(m).shrinkage;
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(1);
          const b = ledoitWolf(m, { target: "constant-correlation" }).shrinkage;
          expect(b).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("ledoitWolf (constant-correlation target)", () => {
  // poptimizer (WLM1ke/poptimizer) tests/test_ledoit_wolf.py: a transcription of covCor.m.
  const data = [
    [1.0, 2.0, 5.0],
    [4.0, 6.0, 8.0],
    [7.0, 8.0, 10.0],
    [1.0, 5.0, 7.0],
    [8.0, 9.0, 1.0],
  ];

  it("reproduces poptimizer's published 3 × 3 result", () => {
    const published = [
      [8.56, 2.00071631947653, 1.54132176377468],
      [2.00071631947653, 6.0, 1.34594278490159],
      [1.54132176377468, 1.34594278490159, 9.36],
    ];
    const r = ledoitWolf(returnMatrixFromRows(data), {
      target: "constant-correlation",
      periodsPerYear: 1,
    });
    expect(maxRelative(r.matrix, published)).toBeLessThan(1e-13);
    // Diagonal: population variances, e.g. column 1: Σ(x − 4.2)² / 5 = 42.8 / 5.
    expect(r.matrix[0]?.[0]).toBeCloseTo(8.56, 13);
  });

  it("shrinks less with twice the data, keeping the variances (poptimizer's second check)", () => {
    const once = ledoitWolf(returnMatrixFromRows(data), { target: "constant-correlation" });
    const twice = ledoitWolf(returnMatrixFromRows([...data, ...data]), {
      target: "constant-correlation",
    });
    expect(twice.shrinkage).toBeLessThan(once.shrinkage);
    once.matrix.forEach((row, i) => expect(twice.matrix[i]?.[i]).toBeCloseTo(row[i] as number, 10));
  });

  it("equals a matrix-by-matrix transcription of covCor.m on the fixture's complete cases", () => {
    const m = returnMatrix(equities);
    const naive = naiveCovCor(centredCompleteRows(m));
    const r = ledoitWolf(m, { target: "constant-correlation" });
    expect(Math.abs(r.shrinkage - naive.shrinkage)).toBeLessThan(1e-12 * naive.shrinkage);
    expect(
      maxRelative(
        r.matrix,
        naive.sigma.map((row) => row.map((v) => v * 252)),
      ),
    ).toBeLessThan(1e-12);
    // The matrix is exactly symmetric.
    r.matrix.forEach((row, i) => row.forEach((v, j) => expect(v).toBe(r.matrix[j]?.[i])));
  });

  it("names an asset with zero variance on the complete-case dates", () => {
    const m = returnMatrixFromRows(
      [
        [0.01, 0.02],
        [0.03, 0.02],
        [0.02, 0.02],
      ],
      { symbols: ["X", "FLAT"] },
    );
    expect(toolErrorOf(() => ledoitWolf(m, { target: "constant-correlation" }))).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "matrix.FLAT",
    });
  });
});

describe("ledoitWolf inputs", () => {
  it("refuses fewer than 2 complete-case dates and an unknown target", () => {
    const m: ReturnMatrix = {
      kind: "simple",
      dates: ["1", "2", "3"],
      symbols: ["A", "B"],
      values: [Float64Array.from([0.1, 0.2, 0]), Float64Array.from([0, 0.1, 0.3])],
      present: [Uint8Array.from([1, 1, 0]), Uint8Array.from([0, 1, 1])],
    };
    expect(toolErrorOf(() => ledoitWolf(m))).toEqual({
      code: "INSUFFICIENT_DATA",
      field: "matrix",
    });
    expect(
      toolErrorOf(() =>
        ledoitWolf(returnMatrixFromRows([[1], [2]]), {
          target: "single-factor" as unknown as "constant-variance",
        }),
      ).field,
    ).toBe("target");
  });
});
