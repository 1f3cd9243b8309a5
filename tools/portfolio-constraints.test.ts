import { describe, expect, it } from "vitest";
import { isToolError } from "./errors.js";
import {
  compileFeasibleSet,
  compilePortfolioQp,
  groupRows,
  resolveConstraints,
  type PortfolioConstraints,
} from "./portfolio-constraints.js";

function errorOf(fn: () => unknown): { code: string; field: string } {
  try {
    fn();
  } catch (error) {
    if (isToolError(error)) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error("expected a ToolError");
}

const symbols = ["A", "B", "C"];

describe("resolveConstraints", () => {
  it("applies one bounds pair to every asset (doc example)", () => {
    const r = resolveConstraints(["A", "B"], { bounds: { min: 0, max: 0.7 } });
    expect(Array.from(r.upper)).toEqual([0.7, 0.7]);
    expect(Array.from(r.lower)).toEqual([0, 0]);
  });

  it("defaults to long-only bounds (0, 1) and intersects them with maxPosition", () => {
    const r = resolveConstraints(symbols, { maxPosition: 0.4 });
    expect(Array.from(r.lower)).toEqual([0, 0, 0]);
    expect(Array.from(r.upper)).toEqual([0.4, 0.4, 0.4]);
    const shorts = resolveConstraints(symbols, { bounds: { min: -1, max: 1 }, maxPosition: 0.5 });
    expect(Array.from(shorts.lower)).toEqual([-0.5, -0.5, -0.5]);
  });

  it("turns per-asset costs in bps into unit costs κ·bps/10⁴", () => {
    const r = resolveConstraints(symbols, {
      turnover: { mode: "penalty", current: [0.2, 0.3, 0.5], kappa: 2, costBps: [10, 0, 25] },
    });
    expect(r.turnover?.mode).toBe("penalty");
    if (r.turnover?.mode === "penalty")
      expect(Array.from(r.turnover.unitCost)).toEqual([0.002, 0, 0.005]);
  });

  it("throws INFEASIBLE naming bounds when no weights within them can sum to 1", () => {
    expect(errorOf(() => resolveConstraints(symbols, { bounds: { min: 0, max: 0.3 } }))).toEqual({
      code: "INFEASIBLE",
      field: "bounds",
    });
    expect(errorOf(() => resolveConstraints(symbols, { bounds: { min: 0.4, max: 1 } }))).toEqual({
      code: "INFEASIBLE",
      field: "bounds",
    });
  });

  it("throws INFEASIBLE naming the group when its members' bounds cannot reach its limits", () => {
    const constraints: PortfolioConstraints = {
      bounds: { min: 0, max: 0.3 },
      groups: [{ name: "tech", members: ["A", "B"], min: 0.7 }],
    };
    expect(errorOf(() => resolveConstraints(["A", "B", "C", "D"], constraints))).toEqual({
      code: "INFEASIBLE",
      field: "groups.tech",
    });
  });

  it("rejects malformed constraints naming the field", () => {
    expect(errorOf(() => resolveConstraints(symbols, { bounds: { min: 0.5, max: 0.2 } }))).toEqual({
      code: "INVALID_INPUT",
      field: "bounds",
    });
    expect(errorOf(() => resolveConstraints(symbols, { bounds: [{ min: 0, max: 1 }] }))).toEqual({
      code: "INVALID_INPUT",
      field: "bounds",
    });
    expect(
      errorOf(() =>
        resolveConstraints(symbols, { groups: [{ name: "g", members: ["A", "Z"], max: 1 }] }),
      ),
    ).toEqual({ code: "INVALID_INPUT", field: "groups.g.members" });
    expect(errorOf(() => resolveConstraints(symbols, { l2Gamma: -1 }))).toEqual({
      code: "INVALID_INPUT",
      field: "l2Gamma",
    });
    expect(
      errorOf(() =>
        resolveConstraints(symbols, {
          turnover: { mode: "cap", current: [1, 0], maxTurnover: 0.1 },
        }),
      ),
    ).toEqual({ code: "INVALID_INPUT", field: "turnover.current" });
    expect(
      errorOf(() =>
        resolveConstraints(symbols, {
          turnover: { mode: "penalty", current: [1, 0, 0], kappa: 1, costBps: [1, -1, 0] },
        }),
      ),
    ).toEqual({ code: "INVALID_INPUT", field: "turnover.costBps[1]" });
    expect(errorOf(() => resolveConstraints(["A", "A"]))).toEqual({
      code: "INVALID_INPUT",
      field: "symbols[1]",
    });
  });
});

describe("compileFeasibleSet", () => {
  it("lists the budget row first, then groups, extra rows and the cap (doc example)", () => {
    expect(compileFeasibleSet(resolveConstraints(["A", "B"]), []).set.labels).toEqual(["budget"]);
    const resolved = resolveConstraints(symbols, {
      groups: [{ name: "g", members: ["A"], max: 0.5 }],
      turnover: { mode: "cap", current: [0.2, 0.3, 0.5], maxTurnover: 0.4 },
    });
    const extra = {
      coefficients: Float64Array.of(0.1, 0.2, 0.3),
      equality: false,
      rhs: 0.2,
      label: "targetReturn",
    };
    const compiled = compileFeasibleSet(resolved, [extra]);
    expect(compiled.set.labels).toEqual([
      "budget",
      "groups.g.max",
      "targetReturn",
      "turnover.maxTurnover",
    ]);
    // Return row on the split: (μ, −μ)ᵀ(u, v) ≥ 0.2 − μᵀw₀ = 0.2 − 0.23.
    expect(compiled.set.rhs[2]).toBeCloseTo(-0.03, 15);
    expect(compiled.set.n).toBe(6);
  });
});

describe("compilePortfolioQp", () => {
  it("writes the variance objective as ½xᵀ(2Σ)x (doc example)", () => {
    const compiled = compilePortfolioQp(resolveConstraints(["A"]), Float64Array.of(0.04), []);
    expect(Array.from(compiled.qp.hessian)).toEqual([0.08]);
    expect(compiled.qp.labels).toEqual(["budget"]);
    expect(compiled.split).toBe(false);
  });

  it("adds γ to the diagonal for L2 regularisation (D = 2(Σ + γI))", () => {
    const compiled = compilePortfolioQp(
      resolveConstraints(["A", "B"], { l2Gamma: 0.5 }),
      Float64Array.of(0.04, 0.01, 0.01, 0.09),
      [],
    );
    expect(Array.from(compiled.qp.hessian)).toEqual([1.08, 0.02, 0.02, 1.18]);
  });

  it("maps bounds, rows and the cap onto the split w = w₀ + u − v (hand-worked, two assets)", () => {
    // w₀ = (0.7, 0.3), bounds [0, 0.6]: asset A must sell at least 0.1 (v_A ∈ [0.1, 0.7],
    // u_A = 0); asset B: u_B ∈ [0, 0.3], v_B ∈ [0, 0.3].
    const resolved = resolveConstraints(["A", "B"], {
      bounds: { min: 0, max: 0.6 },
      turnover: { mode: "cap", current: [0.7, 0.3], maxTurnover: 0.5 },
    });
    const compiled = compilePortfolioQp(resolved, Float64Array.of(0.04, 0, 0, 0.01), []);
    const { qp } = compiled;
    expect(compiled.split).toBe(true);
    expect(Array.from(qp.lower)).toEqual([0, 0, 0.09999999999999998, 0]);
    expect(Array.from(qp.upper)).toEqual([0, 0.3, 0.7, 0.3]);
    // Budget Σw = 1 → Σu − Σv = 1 − Σw₀ = 0; cap −Σ(u + v) ≥ −0.5.
    expect(qp.labels).toEqual(["budget", "turnover.maxTurnover"]);
    expect(Array.from(qp.rows.subarray(0, 4))).toEqual([1, 1, -1, -1]);
    expect(qp.rhs[0]).toBe(0);
    expect(Array.from(qp.rows.subarray(4, 8))).toEqual([-1, -1, -1, -1]);
    expect(qp.rhs[1]).toBe(-0.5);
    // D = 2[[Σ, −Σ], [−Σ, Σ]]; d = −(2Σw₀, −2Σw₀) = (−0.056, −0.006, 0.056, 0.006).
    expect(Array.from(qp.hessian.subarray(0, 4))).toEqual([0.08, 0, -0.08, -0]);
    expect(Array.from(qp.linear)).toEqual([
      -0.055999999999999994, -0.006, 0.055999999999999994, 0.006,
    ]);
    expect(Array.from(qp.partner ?? [])).toEqual([2, 3, 0, 1]);
    const w = compiled.weights(Float64Array.of(0, 0.1, 0.1, 0));
    expect(w[0]).toBeCloseTo(0.6, 15);
    expect(w[1]).toBeCloseTo(0.4, 15);
    expect(
      Array.from(compiled.variables(Float64Array.of(0.6, 0.4))).map((v) => +v.toFixed(15)),
    ).toEqual([0, 0.1, 0.1, 0]);
  });
});

describe("groupRows", () => {
  it("writes min and max group rows, and their homogeneous (y = κw) form", () => {
    const resolved = resolveConstraints(symbols, {
      groups: [{ name: "g", members: ["A", "C"], min: 0.2, max: 0.6 }],
    });
    const plain = groupRows(resolved, false);
    expect(plain.map((r) => [r.label, Array.from(r.coefficients), r.rhs])).toEqual([
      ["groups.g.min", [1, 0, 1], 0.2],
      ["groups.g.max", [-1, 0, -1], -0.6],
    ]);
    // Σ_G y − 0.2 Σy ≥ 0 and 0.6 Σy − Σ_G y ≥ 0.
    const homogeneous = groupRows(resolved, true);
    expect(homogeneous.map((r) => Array.from(r.coefficients).map((v) => +v.toFixed(12)))).toEqual([
      [0.8, -0.2, 0.8],
      [-0.4, 0.6, -0.4],
    ]);
  });
});
