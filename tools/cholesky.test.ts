import { describe, expect, it } from "vitest";
import { cholesky, choleskyFlat, choleskyInPlace } from "./cholesky.js";
import { ToolError } from "./errors.js";

/** L Lᵀ, naive triple loop. */
function multiplyLLt(l: number[][]): number[][] {
  const n = l.length;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += (l[i]?.[k] ?? 0) * (l[j]?.[k] ?? 0);
      return s;
    }),
  );
}

function expectMatrixClose(actual: number[][], expected: number[][], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) =>
    row.forEach((v, j) => expect(Math.abs(v - (expected[i]?.[j] ?? Number.NaN))).toBeLessThan(tol)),
  );
}

describe("cholesky", () => {
  it("factors the hand-worked 3×3 example into [[2,0,0],[6,1,0],[-8,5,3]]", () => {
    // L11 = √4 = 2; L21 = 12/2 = 6; L31 = −16/2 = −8; L22 = √(37 − 6²) = 1;
    // L32 = (−43 − (−8)(6))/1 = 5; L33 = √(98 − (−8)² − 5²) = √9 = 3.
    expect(
      cholesky([
        [4, 12, -16],
        [12, 37, -43],
        [-16, -43, 98],
      ]),
    ).toEqual([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
  });

  it("returns the same factor flattened row-major (doc example [[4,2],[2,2]] → [2,0,1,1])", () => {
    // L11 = 2, L21 = 2/2 = 1, L22 = √(2 − 1) = 1.
    expect(
      Array.from(
        choleskyFlat([
          [4, 2],
          [2, 2],
        ]),
      ),
    ).toEqual([2, 0, 1, 1]);
  });

  it("reconstructs a 5×5 covariance built as B Bᵀ to 1e-12", () => {
    const b = [
      [0.2, 0.01, 0.03, -0.02, 0.05],
      [0.05, 0.15, -0.01, 0.02, 0.0],
      [0.01, 0.02, 0.25, 0.04, -0.03],
      [-0.03, 0.0, 0.02, 0.1, 0.01],
      [0.02, -0.04, 0.01, 0.03, 0.3],
    ];
    const a = multiplyLLt(b); // B Bᵀ
    const l = cholesky(a);
    expectMatrixClose(multiplyLLt(l), a, 1e-12);
    // Lower triangular with a positive diagonal.
    l.forEach((row, i) =>
      row.forEach((v, j) => {
        if (j > i) expect(v).toBe(0);
        if (j === i) expect(v).toBeGreaterThan(0);
      }),
    );
  });

  it("gives a zero-variance asset (cash) a zero row and column", () => {
    // [[0.04, 0, 0.01], [0, 0, 0], [0.01, 0, 0.09]]: L11 = 0.2; pivot 2 is 0 → column 2 is zero;
    // L31 = 0.01/0.2 = 0.05; L33 = √(0.09 − 0.0025) = √0.0875.
    const l = cholesky([
      [0.04, 0, 0.01],
      [0, 0, 0],
      [0.01, 0, 0.09],
    ]);
    expectMatrixClose(
      l,
      [
        [0.2, 0, 0],
        [0, 0, 0],
        [0.05, 0, Math.sqrt(0.0875)],
      ],
      1e-15,
    );
  });

  it("factors a singular PSD matrix of perfectly correlated assets with a zero pivot", () => {
    // Asset 2 = 2 × asset 1: Σ = [[1, 2], [2, 4]] → L = [[1, 0], [2, 0]] (pivot 4 − 2² = 0).
    const l = cholesky([
      [1, 2],
      [2, 4],
    ]);
    expectMatrixClose(
      l,
      [
        [1, 0],
        [2, 0],
      ],
      1e-15,
    );
    // A rank-1 3×3 from v = (0.1, −0.2, 0.3) with rounding noise still reconstructs.
    const v = [0.1, -0.2, 0.3];
    const a = v.map((x) => v.map((y) => x * y));
    expectMatrixClose(multiplyLLt(cholesky(a)), a, 1e-12);
  });

  it("rejects an indefinite matrix with INVALID_INPUT naming the field", () => {
    // [[1, 2], [2, 1]] has eigenvalues 3 and −1: pivot 2 is 1 − 4 = −3.
    const attempt = (): number[][] =>
      cholesky(
        [
          [1, 2],
          [2, 1],
        ],
        "covariance",
      );
    expect(attempt).toThrow(ToolError);
    expect(attempt).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT", field: "covariance" }),
    );
    expect(attempt).toThrow(/not positive semi-definite/);
  });

  it("rejects a zero pivot whose column is not zero (indefinite [[0, 1], [1, 0]])", () => {
    expect(() =>
      cholesky(
        [
          [0, 1],
          [1, 0],
        ],
        "covariance",
      ),
    ).toThrow(expect.objectContaining({ field: "covariance" }));
  });

  it("rejects a non-symmetric matrix naming the offending entry", () => {
    expect(() =>
      cholesky(
        [
          [4, 1],
          [2, 4],
        ],
        "covariance",
      ),
    ).toThrow(expect.objectContaining({ code: "INVALID_INPUT", field: "covariance[1][0]" }));
  });

  it("accepts asymmetry within the relative tolerance of 1e-10", () => {
    const l = cholesky([
      [4, 2],
      [2 + 1e-12, 2],
    ]);
    expect(l[0]?.[0]).toBe(2);
  });

  it("rejects non-square, ragged and non-finite input", () => {
    expect(() => cholesky([[1, 0]], "covariance")).toThrow(ToolError);
    expect(() => cholesky([[1, 0], [0]], "covariance")).toThrow(
      expect.objectContaining({ field: "covariance[1]" }),
    );
    expect(() =>
      cholesky(
        [
          [1, Number.NaN],
          [0, 1],
        ],
        "covariance",
      ),
    ).toThrow(expect.objectContaining({ field: "covariance[0][1]" }));
  });

  it("returns an empty factor for an empty matrix", () => {
    expect(cholesky([])).toEqual([]);
  });
});

describe("choleskyInPlace", () => {
  it("factors [[4, 2], [2, 2]] in place: L = [[2, 0], [1, 1]] (upper triangle untouched)", () => {
    // l11 = √4 = 2; l21 = 2/2 = 1; l22 = √(2 − 1²) = 1.
    const a = Float64Array.from([4, 2, 2, 2]);
    expect(choleskyInPlace(a, 2)).toBe(true);
    expect([...a]).toEqual([2, 2, 1, 1]);
  });

  it("factors the hand-worked 3×3 example, including a five-wide row for the unrolled sums", () => {
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    expect(choleskyInPlace(a, 3)).toBe(true);
    expect([a[0], a[3], a[4], a[6], a[7], a[8]]).toEqual([2, 6, 1, -8, 5, 3]);
    // 5×5 identity + rank-one 1·1ᵀ: a naive factorisation written out here gives the same L.
    const n = 5;
    const m = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 2 : 1));
    const naive = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = m[i * n + j] as number;
        for (let k = 0; k < j; k++) s -= (naive[i]?.[k] as number) * (naive[j]?.[k] as number);
        (naive[i] as number[])[j] = i === j ? Math.sqrt(s) : s / (naive[j]?.[j] as number);
      }
    }
    expect(choleskyInPlace(m, n)).toBe(true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) expect(m[i * n + j]).toBeCloseTo(naive[i]?.[j] as number, 14);
    }
  });

  it("refuses a singular or indefinite matrix, and a shift makes a singular one definite", () => {
    expect(choleskyInPlace(Float64Array.from([1, 1, 1, 1]), 2)).toBe(false);
    expect(choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
    // [[1, 1], [1, 1]] + 1e-9·I is positive definite.
    expect(choleskyInPlace(Float64Array.from([1, 1, 1, 1]), 2, 1e-9)).toBe(true);
  });
});
