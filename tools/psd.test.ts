import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import { isPositiveSemidefinite, repairPsd, symmetricEigen } from "./psd.js";

function toolErrorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

// Eigenvalues 1.9, 1.9, −0.8: A = I + 0.9·B with B = [[0,1,−1],[1,0,1],[−1,1,0]],
// det(B − λI) = −λ³ + 3λ − 2 = −(λ − 1)²(λ + 2); the eigenvector of −2 is (1, −1, 1)/√3.
const NOT_PSD = [
  [1, 0.9, -0.9],
  [0.9, 1, 0.9],
  [-0.9, 0.9, 1],
];

function frobenius(a: number[][], b: readonly (readonly number[])[]): number {
  let s = 0;
  a.forEach((row, i) => row.forEach((v, j) => (s += (v - ((b[i] as number[])[j] as number)) ** 2)));
  return Math.sqrt(s);
}

/** V diag(λ) Vᵀ from unit eigenvectors `vectors[k]`. */
function rebuild(values: number[], vectors: number[][]): number[][] {
  const n = values.length;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) =>
      values.reduce(
        (s, l, k) =>
          s + l * ((vectors[k] as number[])[i] as number) * ((vectors[k] as number[])[j] as number),
        0,
      ),
    ),
  );
}

describe("symmetricEigen", () => {
  it("finds 1 and 3 for [[2, 1], [1, 2]] in ascending order", () => {
    const { values, vectors } = symmetricEigen([
      [2, 1],
      [1, 2],
    ]);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(vectors[1]?.[0] as number)).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it("finds the hand-computed spectrum 1.9, 1.9, −0.8", () => {
    const { values } = symmetricEigen(NOT_PSD);
    expect(values[0]).toBeCloseTo(-0.8, 14);
    expect(values[1]).toBeCloseTo(1.9, 14);
    expect(values[2]).toBeCloseTo(1.9, 14);
  });
});

describe("isPositiveSemidefinite", () => {
  it("rejects the hand-worked matrix with eigenvalue −0.8 and PyPortfolioOpt's non-PSD 2 × 2", () => {
    expect(isPositiveSemidefinite(NOT_PSD)).toBe(false);
    // PyPortfolioOpt test_sample_cov_npd. λ_min = ((a + d) − √((a − d)² + 4b²)) / 2 < 0 because b² > a·d.
    const a = 0.03818144;
    const b = 0.04182824;
    const d = 0.04149209;
    expect((a + d - Math.sqrt((a - d) ** 2 + 4 * b * b)) / 2).toBeLessThan(0);
    expect(
      isPositiveSemidefinite([
        [a, b],
        [b, d],
      ]),
    ).toBe(false);
  });

  it("accepts the zero matrix (PyPortfolioOpt's test), the identity and a singular Gram matrix", () => {
    const zeros = Array.from({ length: 100 }, () => new Array<number>(100).fill(0));
    expect(isPositiveSemidefinite(zeros)).toBe(true);
    expect(
      isPositiveSemidefinite([
        [1, 0],
        [0, 1],
      ]),
    ).toBe(true);
    const x = [0.3, -1.2, 0.7, 2.1];
    expect(isPositiveSemidefinite(x.map((u) => x.map((v) => u * v)))).toBe(true);
  });

  it("tolerates a negative eigenvalue within τ = 1e-10 · max diagonal, not beyond", () => {
    expect(
      isPositiveSemidefinite([
        [1, 0],
        [0, -1e-12],
      ]),
    ).toBe(true);
    expect(
      isPositiveSemidefinite([
        [1, 0],
        [0, -1e-9],
      ]),
    ).toBe(false);
    expect(
      isPositiveSemidefinite(
        [
          [1, 0],
          [0, -1e-9],
        ],
        { relativeTolerance: 1e-8 },
      ),
    ).toBe(true);
  });

  it("rejects an asymmetric matrix naming the entry", () => {
    expect(
      toolErrorOf(() =>
        isPositiveSemidefinite([
          [1, 0.5],
          [0.4, 1],
        ]),
      ),
    ).toEqual({ code: "INVALID_INPUT", field: "matrix[1][0]" });
  });
});

describe("repairPsd", () => {
  it("clips −0.8 to 0 and rebuilds the hand-computed matrix 19/15, ±19/30", () => {
    const r = repairPsd(NOT_PSD);
    expect(r.repaired).toBe(true);
    if (!r.repaired) return;
    expect(r.method).toBe("spectral-clip");
    expect(r.minEigenvalueBefore).toBeCloseTo(-0.8, 14);
    expect(r.clippedEigenvalues).toBe(1);
    const expected = [
      [19 / 15, 19 / 30, -19 / 30],
      [19 / 30, 19 / 15, 19 / 30],
      [-19 / 30, 19 / 30, 19 / 15],
    ];
    r.matrix.forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]?.[j] as number, 12)),
    );
    expect(isPositiveSemidefinite(r.matrix)).toBe(true);
    r.matrix.forEach((row, i) => row.forEach((v, j) => expect(v).toBe(r.matrix[j]?.[i])));
    // Distance = √Σ_{λ<0} λ² = 0.8.
    expect(frobenius(r.matrix, NOT_PSD)).toBeCloseTo(0.8, 12);
  });

  it("is the closest to the input in Frobenius norm among PSD spectra on the same eigenvectors", () => {
    const { vectors } = symmetricEigen(NOT_PSD);
    const best = frobenius(repairPsd(NOT_PSD).matrix, NOT_PSD);
    fc.assert(
      fc.property(
        fc.tuple(
          fc.double({ min: 0, max: 3, noNaN: true }),
          fc.double({ min: 0, max: 3, noNaN: true }),
          fc.double({ min: 0, max: 3, noNaN: true }),
        ),
        (spectrum) => {
          const candidate = rebuild([...spectrum], vectors);
          expect(frobenius(candidate, NOT_PSD)).toBeGreaterThanOrEqual(best - 1e-12);
        },
      ),
    );
    // Another PSD fix, shifting the diagonal by 0.8 (A + 0.8 I), is farther: 0.8 · √3.
    const shifted = NOT_PSD.map((row, i) => row.map((v, j) => v + (i === j ? 0.8 : 0)));
    expect(frobenius(shifted, NOT_PSD)).toBeGreaterThan(best);
  });

  it("is at least as close as any PSD matrix (Higham's nearest-PSD property)", () => {
    const best = frobenius(repairPsd(NOT_PSD).matrix, NOT_PSD);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }),
        (g) => {
          // G Gᵀ is PSD for any G.
          const psd = [0, 1, 2].map((i) =>
            [0, 1, 2].map((j) =>
              [0, 1, 2].reduce(
                (s, k) => s + (g[3 * i + k] as number) * (g[3 * j + k] as number),
                0,
              ),
            ),
          );
          expect(frobenius(psd, NOT_PSD)).toBeGreaterThanOrEqual(best - 1e-12);
        },
      ),
    );
  });

  it("floors the eigenvalues at a chosen positive floor", () => {
    const r = repairPsd(NOT_PSD, { floor: 0.01 });
    expect(r.repaired).toBe(true);
    expect(symmetricEigen(r.matrix).values[0]).toBeCloseTo(0.01, 12);
  });

  it("leaves a PSD matrix unchanged and repairs PyPortfolioOpt's non-PSD example", () => {
    const ok = [
      [2, 1],
      [1, 2],
    ];
    const same = repairPsd(ok);
    expect(same.repaired).toBe(false);
    expect(same.method).toBe("none");
    expect(same.matrix).toEqual(ok);
    const fixed = repairPsd([
      [0.03818144, 0.04182824],
      [0.04182824, 0.04149209],
    ]);
    expect(fixed.repaired).toBe(true);
    expect(isPositiveSemidefinite(fixed.matrix)).toBe(true);
  });

  it("rejects a negative floor and a non-square matrix", () => {
    expect(toolErrorOf(() => repairPsd(NOT_PSD, { floor: -1 })).field).toBe("floor");
    expect(toolErrorOf(() => repairPsd([[1, 2]])).code).toBe("INVALID_INPUT");
  });
});
