import { describe, expect, it } from "vitest";
import { UpdatableCholesky, factorSpd, solveFactored } from "./cholesky-update.js";

/** Naive reference: L from the Cholesky–Banachiewicz recurrence on a fresh matrix. */
function naiveCholesky(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (a[i] as number[])[j] as number;
      for (let k = 0; k < j; k++)
        s -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      (l[i] as number[])[j] = i === j ? Math.sqrt(s) : s / ((l[j] as number[])[j] as number);
    }
  }
  return l;
}

describe("UpdatableCholesky", () => {
  it("borders and deletes as in the doc example: [[4, 2], [2, 2]] then drop the first row/column", () => {
    const f = new UpdatableCholesky(2);
    expect(f.append([], 4)).toBe(4);
    expect(f.append([2], 2)).toBe(1);
    expect([f.entry(0, 0), f.entry(1, 0), f.entry(1, 1)]).toEqual([2, 1, 1]);
    f.remove(0);
    expect(f.size).toBe(1);
    expect(f.entry(0, 0)).toBeCloseTo(Math.SQRT2, 15);
  });

  it("matches a fresh factorisation after a sequence of appends and removals (with growth)", () => {
    // A = BᵀB + I for a fixed 40 × 40 B: positive definite.
    const n = 40;
    const b = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => Math.sin(3 * i + 7 * j)),
    );
    const a = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) =>
        b.reduce((s, row) => s + (row[i] as number) * (row[j] as number), i === j ? 1 : 0),
      ),
    );
    const f = new UpdatableCholesky(n, 2);
    const order: number[] = [];
    const add = (j: number): void => {
      f.append(
        order.map((i) => (a[i] as number[])[j] as number),
        (a[j] as number[])[j] as number,
      );
      order.push(j);
    };
    for (let j = 0; j < 30; j++) add(j);
    for (const pos of [3, 0, 20, 10]) {
      f.remove(pos);
      order.splice(pos, 1);
    }
    for (let j = 30; j < 40; j++) add(j);
    const sub = order.map((i) => order.map((j) => (a[i] as number[])[j] as number));
    const ref = naiveCholesky(sub);
    ref.forEach((row, r) => row.forEach((v, c) => expect(f.entry(r, c)).toBeCloseTo(v, 10)));
    // Solves: L Lᵀ x = A_sub·1 → x = 1.
    const rhs = Float64Array.from(sub.map((row) => row.reduce((s, v) => s + v, 0)));
    const y = f.solveLower(rhs);
    f.solveUpperInPlace(y);
    y.forEach((v) => expect(v).toBeCloseTo(1, 10));
  });

  it("refuses a pivot at or below the threshold and leaves the factor unchanged", () => {
    const f = new UpdatableCholesky(3);
    f.append([], 1);
    // [[1, 1], [1, 1]] is singular: pivot 1 − 1 = 0.
    expect(f.append([1], 1)).toBe(0);
    expect(f.size).toBe(1);
  });
});

describe("factorSpd / solveFactored", () => {
  it("factor [[4, 2], [2, 2]] and solve for b = (6, 4): y = (1, 1) (doc example)", () => {
    const S = Float64Array.of(4, 2, 2, 2);
    expect(factorSpd(S, 2)).toBe(-1);
    expect([S[0], S[2], S[3]]).toEqual([2, 1, 1]);
    const b = Float64Array.of(6, 4);
    solveFactored(S, b, 2);
    expect(Array.from(b)).toEqual([1, 1]);
  });

  it("reports the first dependent row", () => {
    // Rows 0 and 1 of S = YᵀY with identical columns y.
    expect(factorSpd(Float64Array.of(1, 1, 1, 1), 2)).toBe(1);
  });
});
