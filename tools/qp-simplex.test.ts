import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import { linearProgram, type LinearFeasibleSet } from "./qp-simplex.js";

/** Builds a set from `≥` / `=` rows given as plain arrays. */
function feasibleSet(
  lower: number[],
  upper: number[],
  rows: { a: number[]; eq?: boolean; b: number; label?: string }[],
): LinearFeasibleSet {
  const n = lower.length;
  return {
    n,
    m: rows.length,
    lower: Float64Array.from(lower),
    upper: Float64Array.from(upper),
    rows: Float64Array.from(rows.flatMap((r) => r.a)),
    equality: Uint8Array.from(rows.map((r) => (r.eq === true ? 1 : 0))),
    rhs: Float64Array.from(rows.map((r) => r.b)),
    labels: rows.map((r, i) => r.label ?? `row${i}`),
  };
}

describe("linearProgram", () => {
  it("maximises x + 2y on the segment x + y = 1, 0 ≤ x, y ≤ 1 at the vertex (0, 1) (doc example)", () => {
    const set = feasibleSet([0, 0], [1, 1], [{ a: [1, 1], eq: true, b: 1 }]);
    const lp = linearProgram(set, Float64Array.of(-1, -2));
    expect(lp.status).toBe("optimal");
    expect(lp.objective).toBe(-2);
    expect(Array.from(lp.x)).toEqual([0, 1]);
  });

  it("solves Beale's cycling example to its optimum −1/20 at x = (1/25, 0, 1, 0)", () => {
    // Beale (1955), the classic LP on which Dantzig's rule with lowest-index ties cycles:
    // min −¾x₁ + 150x₂ − x₃/50 + 6x₄ s.t. ¼x₁ − 60x₂ − x₃/25 + 9x₄ ≤ 0,
    // ½x₁ − 90x₂ − x₃/50 + 3x₄ ≤ 0, x₃ ≤ 1, x ≥ 0. Optimum −0.05 (scipy linprog agrees).
    const set = feasibleSet(
      [0, 0, 0, 0],
      [Infinity, Infinity, 1, Infinity],
      [
        { a: [-0.25, 60, 1 / 25, -9], b: 0 },
        { a: [-0.5, 90, 1 / 50, -3], b: 0 },
      ],
    );
    const lp = linearProgram(set, Float64Array.of(-0.75, 150, -1 / 50, 6));
    expect(lp.objective).toBeCloseTo(-0.05, 14);
    const x = Array.from(lp.x);
    [0.04, 0, 1, 0].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 14));
  });

  it("names the unsatisfiable row when the rows and bounds have no common point", () => {
    const set = feasibleSet([0, 0], [1, 1], [{ a: [1, 1], b: 3, label: "needs-three" }]);
    try {
      linearProgram(set);
      expect.unreachable();
    } catch (error) {
      expect(
        isToolError(error) && error.code === "INFEASIBLE" && error.field === "needs-three",
      ).toBe(true);
    }
  });

  it("reports an unbounded objective instead of a number", () => {
    const set = feasibleSet([0, 0], [Infinity, 1], [{ a: [1, 1], b: 1 }]);
    expect(linearProgram(set, Float64Array.of(-1, 0)).status).toBe("unbounded");
  });

  it("finds a feasible point of equality and inequality rows with free variables", () => {
    const set = feasibleSet(
      [-Infinity, 0, -Infinity],
      [Infinity, 2, Infinity],
      [
        { a: [1, 1, 1], eq: true, b: 1 },
        { a: [1, -1, 0], b: 0.5 },
      ],
    );
    const { x } = linearProgram(set);
    const [a, b, c] = Array.from(x) as [number, number, number];
    expect(a + b + c).toBeCloseTo(1, 14);
    expect(a - b).toBeGreaterThanOrEqual(0.5 - 1e-14);
    expect(b).toBeGreaterThanOrEqual(0);
  });

  it("matches a brute-force vertex enumeration on random bounded 3-variable LPs", () => {
    // Independent reference: every vertex of {0 ≤ x ≤ 1, rows} is the solution of 3 tight
    // constraints; the LP optimum is the best feasible vertex.
    const coef = fc.integer({ min: -4, max: 4 });
    fc.assert(
      fc.property(
        fc.array(fc.array(coef, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3, maxLength: 3 }),
        fc.array(coef, { minLength: 3, maxLength: 3 }),
        (rowsA, rhs, cost) => {
          const rows = rowsA.map((a, i) => ({ a, b: (rhs[i] ?? 0) / 2 }));
          const set = feasibleSet([0, 0, 0], [1, 1, 1], rows);
          const best = bruteForce(rows, cost);
          let lp;
          try {
            lp = linearProgram(set, Float64Array.from(cost));
          } catch (error) {
            if (!isToolError(error) || error.code !== "INFEASIBLE") throw error;
            expect(best).toBeNull();
            return;
          }
          expect(best).not.toBeNull();
          expect(lp.objective).toBeCloseTo(best as number, 10);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Best objective over the vertices of {0 ≤ x ≤ 1 (3 variables), aᵀx ≥ b}, or null if empty. */
function bruteForce(rows: { a: number[]; b: number }[], cost: number[]): number | null {
  // Candidate planes: x_i = 0, x_i = 1, aᵀx = b.
  const planes: { a: number[]; b: number }[] = [
    ...[0, 1, 2].flatMap((i) => [
      { a: [0, 1, 2].map((j) => (j === i ? 1 : 0)), b: 0 },
      { a: [0, 1, 2].map((j) => (j === i ? 1 : 0)), b: 1 },
    ]),
    ...rows,
  ];
  let best: number | null = null;
  for (let p = 0; p < planes.length; p++) {
    for (let q = p + 1; q < planes.length; q++) {
      for (let r = q + 1; r < planes.length; r++) {
        const x = solve3(
          [planes[p], planes[q], planes[r]].map((pl) => (pl as { a: number[] }).a),
          [planes[p], planes[q], planes[r]].map((pl) => (pl as { b: number }).b),
        );
        if (x === null) continue;
        const feasible =
          x.every((v) => v >= -1e-9 && v <= 1 + 1e-9) &&
          rows.every(
            (row) => row.a.reduce((s, c, j) => s + c * (x[j] as number), 0) >= row.b - 1e-9,
          );
        if (!feasible) continue;
        const value = cost.reduce((s, c, j) => s + c * (x[j] as number), 0);
        if (best === null || value < best) best = value;
      }
    }
  }
  return best;
}

/** Cramer's rule for a 3 × 3 system; null when singular. */
function solve3(a: number[][], b: number[]): number[] | null {
  const det = (m: number[][]): number => {
    const [r0, r1, r2] = m as [number[], number[], number[]];
    return (
      (r0[0] as number) *
        ((r1[1] as number) * (r2[2] as number) - (r1[2] as number) * (r2[1] as number)) -
      (r0[1] as number) *
        ((r1[0] as number) * (r2[2] as number) - (r1[2] as number) * (r2[0] as number)) +
      (r0[2] as number) *
        ((r1[0] as number) * (r2[1] as number) - (r1[1] as number) * (r2[0] as number))
    );
  };
  const d = det(a);
  if (Math.abs(d) < 1e-12) return null;
  return [0, 1, 2].map(
    (col) => det(a.map((row, i) => row.map((v, j) => (j === col ? (b[i] as number) : v)))) / d,
  );
}
