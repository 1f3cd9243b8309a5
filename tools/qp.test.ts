import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import { solveQp, type QpConstraint, type QpProblem } from "./qp.js";

function errorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

// R's quadprog documentation example (?solve.QP): minimise −(0 5 0)ᵀb + ½bᵀb s.t. Aᵀb ≥ b0.
// Published output: solution 0.4761905 1.0476190 2.0952381, value −2.380952,
// Lagrangian 0.0000000 0.2380952 2.0952381, active constraints 3 and 2.
const rExample: QpProblem = {
  hessian: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  linear: [0, 5, 0],
  constraints: [
    { coefficients: [-4, -3, 0], type: "ge", rhs: -8 },
    { coefficients: [2, 1, 0], type: "ge", rhs: 2 },
    { coefficients: [0, -2, 1], type: "ge", rhs: 0 },
  ],
};

describe("solveQp", () => {
  for (const solver of ["active-set", "quadprog"] as const) {
    it(`reproduces R quadprog's solve.QP example with the ${solver} solver`, () => {
      const sol = solveQp(rExample, { solver });
      const expected = [0.4761905, 1.047619, 2.0952381];
      sol.x.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 7));
      expect(sol.objective).toBeCloseTo(-2.380952, 6);
      expect(sol.activeConstraints).toEqual([1, 2]);
      [0, 0.2380952, 2.0952381].forEach((v, i) => expect(sol.multipliers[i]).toBeCloseTo(v, 7));
      expect(sol.solver).toBe(solver);
    });
  }

  it("projects onto the probability simplex (hand-worked: min ½‖x − (0.9, 0.4, −0.5)‖²)", () => {
    // Sort-based projection: τ with Σ max(v_i − τ, 0) = 1 → τ = (0.9 + 0.4 − 1)/2 = 0.15,
    // x = (0.75, 0.25, 0).
    const problem: QpProblem = {
      hessian: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      linear: [0.9, 0.4, -0.5],
      constraints: [{ coefficients: [1, 1, 1], type: "eq", rhs: 1, label: "budget" }],
      lower: [0, 0, 0],
    };
    for (const solver of ["active-set", "quadprog"] as const) {
      const sol = solveQp(problem, { solver });
      [0.75, 0.25, 0].forEach((v, i) => expect(sol.x[i]).toBeCloseTo(v, 14));
      expect(sol.activeBounds).toEqual([{ index: 2, side: "lower" }]);
      // Budget multiplier: x_i = v_i + λ on the free set → λ = −0.15.
      expect(sol.multipliers[0]).toBeCloseTo(-0.15, 14);
    }
  });

  it("agrees with quadprog to 1e-9 on random strictly convex problems with mixed constraints", () => {
    const small = fc.integer({ min: -20, max: 20 }).map((v) => v / 10);
    const problemArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({
        factor: fc.array(fc.array(small, { minLength: n, maxLength: n }), {
          minLength: n,
          maxLength: n,
        }),
        linear: fc.array(small, { minLength: n, maxLength: n }),
        constraints: fc.array(
          fc.record({
            coefficients: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: n, maxLength: n }),
            type: fc.constantFrom("eq" as const, "ge" as const, "le" as const),
            rhs: small,
          }),
          { maxLength: 4 },
        ),
        lower: fc.array(
          fc.oneof(
            fc.constant(-Infinity),
            small.map((v) => v - 2),
          ),
          {
            minLength: n,
            maxLength: n,
          },
        ),
        width: fc.array(
          fc.integer({ min: 1, max: 40 }).map((v) => v / 10),
          { minLength: n, maxLength: n },
        ),
      }),
    );
    fc.assert(
      fc.property(problemArb, ({ factor, linear, constraints, lower, width }) => {
        const n = linear.length;
        // D = FᵀF + 0.1 I: positive definite, as quadprog requires.
        const hessian = Array.from({ length: n }, (_, i) =>
          Array.from({ length: n }, (_, j) => {
            let s = i === j ? 0.1 : 0;
            for (const row of factor) s += (row[i] as number) * (row[j] as number);
            return s;
          }),
        );
        const upper = lower.map((l, i) =>
          Number.isFinite(l) ? l + (width[i] as number) : Infinity,
        );
        const problem: QpProblem = {
          hessian,
          linear,
          constraints: constraints as QpConstraint[],
          lower,
          upper,
        };
        let reference;
        try {
          reference = solveQp(problem, { solver: "quadprog" });
        } catch (error) {
          if (!isToolError(error) || error.code !== "INFEASIBLE") throw error;
          // quadprog's dual method can call a degenerate but feasible problem infeasible (e.g. a
          // box squeezed to one point by the equalities). Ours must then either agree or return
          // a point that satisfies every constraint and bound — checked here directly.
          let x: readonly number[];
          try {
            x = solveQp(problem).x;
          } catch (ours) {
            expect(isToolError(ours) && ours.code).toBe("INFEASIBLE");
            return;
          }
          const tol = 1e-9;
          for (const c of constraints) {
            const lhs = c.coefficients.reduce((acc, a, i) => acc + a * (x[i] as number), 0);
            if (c.type === "eq") expect(Math.abs(lhs - c.rhs)).toBeLessThanOrEqual(tol);
            else if (c.type === "ge") expect(lhs).toBeGreaterThanOrEqual(c.rhs - tol);
            else expect(lhs).toBeLessThanOrEqual(c.rhs + tol);
          }
          x.forEach((v, i) => {
            expect(v).toBeGreaterThanOrEqual((lower[i] as number) - tol);
            expect(v).toBeLessThanOrEqual((upper[i] as number) + tol);
          });
          return;
        }
        const ours = solveQp(problem);
        ours.x.forEach((v, i) =>
          expect(Math.abs(v - (reference.x[i] as number))).toBeLessThanOrEqual(1e-9),
        );
        expect(Math.abs(ours.objective - reference.objective)).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(reference.objective)),
        );
      }),
      { numRuns: 400 },
    );
  });

  it("solves a feasible problem whose box the equalities squeeze to one point (x1 = −2.4, x2 = −0.8)", () => {
    // By hand: eq1 gives x0 + x3 = −0.7 − x2, eq2 gives x0 + x3 = 0.9 + x1 − 2x2, so x2 = 1.6 + x1;
    // with x1 ∈ [−2.4, −2.0] and x2 ∈ [−3.6, −0.8] the only choice is x1 = −2.4, x2 = −0.8.
    const factor = [
      [0.2, 0.4, 0, 0],
      [0.2, 0, 0, 1.7],
      [-1, -1.6, 0.1, -1.6],
      [-1.5, -1.8, 0, -0.3],
    ];
    const hessian = [0, 1, 2, 3].map((i) =>
      [0, 1, 2, 3].map((j) =>
        factor.reduce(
          (acc, row) => acc + (row[i] as number) * (row[j] as number),
          i === j ? 0.1 : 0,
        ),
      ),
    );
    const sol = solveQp({
      hessian,
      linear: [-0.1, 0, 1.5, 0.1],
      constraints: [
        { coefficients: [-2, 0, -2, -2], type: "eq", rhs: 1.4 },
        { coefficients: [1, -1, 2, 1], type: "eq", rhs: 0.9 },
      ],
      lower: [-Infinity, -2.4, -3.6, -Infinity],
      upper: [Infinity, -2.0, -0.8, Infinity],
    });
    expect(sol.x[1]).toBeCloseTo(-2.4, 9);
    expect(sol.x[2]).toBeCloseTo(-0.8, 9);
    expect((sol.x[0] as number) + (sol.x[3] as number)).toBeCloseTo(0.1, 9);
  });

  it("throws INFEASIBLE naming the constraint's label when no point satisfies it", () => {
    const problem: QpProblem = {
      hessian: [[1]],
      linear: [0],
      constraints: [{ coefficients: [1], type: "ge", rhs: 2, label: "at-least-two" }],
      upper: [1],
    };
    expect(errorOf(() => solveQp(problem))).toEqual({ code: "INFEASIBLE", field: "at-least-two" });
    expect(errorOf(() => solveQp(problem, { solver: "quadprog" }))).toEqual({
      code: "INFEASIBLE",
      field: "constraints",
    });
  });

  it("rejects malformed problems naming the field", () => {
    const base: QpProblem = {
      hessian: [
        [1, 0],
        [0, 1],
      ],
      linear: [0, 0],
    };
    expect(
      errorOf(() =>
        solveQp({
          ...base,
          hessian: [
            [1, 0.5],
            [0, 1],
          ],
        }),
      ),
    ).toEqual({
      code: "INVALID_INPUT",
      field: "hessian[1][0]",
    });
    expect(errorOf(() => solveQp({ ...base, linear: [0, Number.NaN] }))).toEqual({
      code: "INVALID_INPUT",
      field: "linear[1]",
    });
    expect(
      errorOf(() => solveQp({ ...base, constraints: [{ coefficients: [1], type: "eq", rhs: 1 }] })),
    ).toEqual({ code: "INVALID_INPUT", field: "constraints[0].coefficients" });
    expect(errorOf(() => solveQp({ ...base, lower: [0, 2], upper: [1, 1] }))).toEqual({
      code: "INFEASIBLE",
      field: "lower[1]",
    });
    expect(
      errorOf(() =>
        solveQp({
          ...base,
          hessian: [
            [-1, 0],
            [0, 1],
          ],
        }),
      ),
    ).toEqual({
      code: "INVALID_INPUT",
      field: "hessian[0][0]",
    });
  });

  it("reports a singular quadratic term as NUMERICAL instead of returning a non-unique point", () => {
    const singular: QpProblem = {
      hessian: [
        [1, 1],
        [1, 1],
      ],
      linear: [1, 0],
    };
    expect(errorOf(() => solveQp(singular))).toEqual({ code: "NUMERICAL", field: "hessian" });
    expect(errorOf(() => solveQp(singular, { solver: "quadprog" }))).toEqual({
      code: "NUMERICAL",
      field: "hessian",
    });
  });
});
