import { describe, expect, it } from "vitest";
import { solveActiveSetQp, type DenseQp } from "./active-set-qp.js";
import { isToolError } from "./errors.js";
import { compilePortfolioQp, resolveConstraints } from "./portfolio-constraints.js";
import { solveQp } from "./qp.js";

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

describe("solveActiveSetQp", () => {
  it("solves min x² + y² − 2x s.t. x + y = 1, x, y ≥ 0 at (1, 0) (doc example)", () => {
    // The unconstrained minimiser (1, 0) is feasible, so it is the answer; budget multiplier:
    // ∇ = (2x − 2, 2y) = (0, 0) = λ·(1, 1) → λ = 0.
    const qp = dense(
      [
        [2, 0],
        [0, 2],
      ],
      [2, 0],
      [0, 0],
      [Infinity, Infinity],
      [{ a: [1, 1], b: 1, eq: true }],
    );
    const sol = solveActiveSetQp(qp);
    expect(Array.from(sol.x)).toEqual([1, 0]);
    expect(sol.objective).toBe(-1);
    expect(sol.rowMultipliers[0]).toBe(0);
  });

  it("returns the only feasible point when the constraints pin a vertex, with redundant equalities", () => {
    // x + y = 1 twice (the copy is redundant), x − y = 1 → (1, 0); bounds [0, 1].
    const qp = dense(
      [
        [1, 0],
        [0, 1],
      ],
      [0, 5],
      [0, 0],
      [1, 1],
      [
        { a: [1, 1], b: 1, eq: true },
        { a: [2, 2], b: 2, eq: true },
        { a: [1, -1], b: 1, eq: true },
      ],
    );
    const x = Array.from(solveActiveSetQp(qp).x);
    expect(x[0]).toBeCloseTo(1, 15);
    expect(x[1]).toBeCloseTo(0, 15);
  });

  it("reaches the same optimum from a user-supplied feasible start as from phase 1", () => {
    const qp = dense(
      [
        [4, 1, 0],
        [1, 3, 1],
        [0, 1, 2],
      ],
      [1, -2, 0.5],
      [0, 0, 0],
      [1, 1, 1],
      [{ a: [1, 1, 1], b: 1, eq: true }],
    );
    const fromPhase1 = solveActiveSetQp(qp).x;
    const fromStart = solveActiveSetQp(qp, { start: Float64Array.of(1 / 3, 1 / 3, 1 / 3) }).x;
    fromPhase1.forEach((v, i) => expect(fromStart[i]).toBeCloseTo(v, 14));
    const reference = solveQp(
      {
        hessian: [
          [4, 1, 0],
          [1, 3, 1],
          [0, 1, 2],
        ],
        linear: [1, -2, 0.5],
        constraints: [{ coefficients: [1, 1, 1], type: "eq", rhs: 1 }],
        lower: [0, 0, 0],
        upper: [1, 1, 1],
      },
      { solver: "quadprog" },
    ).x;
    reference.forEach((v, i) => expect(fromPhase1[i]).toBeCloseTo(v, 12));
  });

  it("solves a split turnover problem exactly although its Hessian is singular (complementarity pairs)", () => {
    // Hand-worked: Σ = diag(0.04, 0.01), w₀ = (0.5, 0.5), penalty k = 0.005 per unit traded.
    // Along w = (0.5 − t, 0.5 + t): f(t) = 0.04(0.5 − t)² + 0.01(0.5 + t)² + 2kt,
    // f'(t) = −0.03 + 0.1t + 2k = 0 → t = 0.3 − 20k = 0.2 → w = (0.3, 0.7), u = (0, 0.2),
    // v = (0.2, 0).
    const resolved = resolveConstraints(["A", "B"], {
      turnover: { mode: "penalty", current: [0.5, 0.5], kappa: 0.005 },
    });
    const compiled = compilePortfolioQp(resolved, Float64Array.of(0.04, 0, 0, 0.01), []);
    const sol = solveActiveSetQp(compiled.qp);
    const expected = [0, 0.2, 0.2, 0];
    sol.x.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 15));
    const w = compiled.weights(sol.x);
    expect(w[0]).toBeCloseTo(0.3, 15);
    expect(w[1]).toBeCloseTo(0.7, 15);
  });

  it("throws NUMERICAL naming the hessian when it is singular on the free variables", () => {
    const qp = dense(
      [
        [1, 1],
        [1, 1],
      ],
      [1, 0],
      [-Infinity, -Infinity],
      [Infinity, Infinity],
    );
    try {
      solveActiveSetQp(qp);
      expect.unreachable();
    } catch (error) {
      expect(isToolError(error) && error.code === "NUMERICAL" && error.field === "hessian").toBe(
        true,
      );
    }
  });
});
