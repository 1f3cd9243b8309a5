import { describe, expect, it } from "vitest";
import { solveActiveSetQp, type DenseQp } from "./active-set-qp.js";
import { parametricSegment } from "./qp-parametric.js";

/** A DenseQp from plain arrays (rows given as `≥` unless `eq`). */
function dense(
  hessian: number[][],
  linear: number[],
  lower: number[],
  upper: number[],
  rows: { a: number[]; b: number; eq?: boolean }[] = [],
): DenseQp {
  const n = linear.length;
  return {
    n,
    m: rows.length,
    hessian: Float64Array.from(hessian.flat()),
    linear: Float64Array.from(linear),
    lower: Float64Array.from(lower),
    upper: Float64Array.from(upper),
    rows: Float64Array.from(rows.flatMap((r) => r.a)),
    equality: Uint8Array.from(rows.map((r) => (r.eq === true ? 1 : 0))),
    rhs: Float64Array.from(rows.map((r) => r.b)),
    labels: rows.map((_, i) => `row${i}`),
  };
}

describe("parametricSegment", () => {
  it("gives the affine piece of min x² + y² s.t. x + y = r, x, y ≥ 0 (doc example)", () => {
    // x = y = r/2 for every r ≥ 0: dx = (0.5, 0.5); at r = 1 the piece runs from t = −1
    // (x = y = 0) to +∞.
    const qp = dense(
      [
        [2, 0],
        [0, 2],
      ],
      [0, 0],
      [0, 0],
      [Infinity, Infinity],
      [{ a: [1, 1], b: 1, eq: true }],
    );
    const seg = parametricSegment(qp, solveActiveSetQp(qp), 0);
    expect(seg.dx[0]).toBeCloseTo(0.5, 15);
    expect(seg.dx[1]).toBeCloseTo(0.5, 15);
    expect(seg.tLow).toBeCloseTo(-1, 15);
    expect(seg.tHigh).toBe(Infinity);
  });

  it("ends the piece where a bound multiplier changes sign (a critical-line breakpoint)", () => {
    // min x² + 4y² s.t. x + y = r, y ≥ 0, x ≤ 0.6: at r = 0.5 both free (x = 4r/5, y = r/5);
    // x reaches 0.6 at r = 0.75 → t_high = 0.25; y reaches 0 at r = 0 → t_low = −0.5.
    const qp = dense(
      [
        [2, 0],
        [0, 8],
      ],
      [0, 0],
      [-Infinity, 0],
      [0.6, Infinity],
      [{ a: [1, 1], b: 0.5, eq: true }],
    );
    const sol = solveActiveSetQp(qp);
    expect(sol.x[0]).toBeCloseTo(0.4, 15);
    const seg = parametricSegment(qp, sol, 0);
    expect(seg.dx[0]).toBeCloseTo(0.8, 15);
    expect(seg.dx[1]).toBeCloseTo(0.2, 15);
    expect(seg.tLow).toBeCloseTo(-0.5, 14);
    expect(seg.tHigh).toBeCloseTo(0.25, 14);
  });
});
